"""The throughput baseline: no-op dramatiq actors (``dramatiq ota_noop``, same settings as ``caas worker``).

One "activation" here is as many messages as the platform's took in the same run:
``activation`` (sent by the bench, as it sends the platform's ``activate_service``
jobs) which sends ``OTA_BENCH_FOLLOW_UPS`` ``noop`` messages from the worker, as
``activate_service`` queues ``service_payment`` and ``deliver_notification``... Same broker URL, a queue
of its own (``ota-noop``: the platform's jobs on ``outbox`` are left alone),
dramatiq's default middleware; no work at all otherwise.
"""
import os

import dramatiq

URL = os.environ["OTA_BENCH_BROKER_URL"]
if URL.startswith("redis"):
    from dramatiq.brokers.redis import RedisBroker
    broker = RedisBroker(url=URL)
else:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    broker = RabbitmqBroker(url=URL)
dramatiq.set_broker(broker)
FOLLOW_UPS = int(os.environ.get("OTA_BENCH_FOLLOW_UPS", "3"))
QUEUE = "ota-noop"


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def noop():
    pass


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def activation():
    for _ in range(FOLLOW_UPS):
        noop.send()
