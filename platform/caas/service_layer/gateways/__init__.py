"""The external systems the use cases reach, as the service layer sees them.

One module per system: its port (a typing protocol the adapters in
:mod:`caas.adapters.http` and :mod:`caas.adapters.mail` implement), the values it
answers with and the errors it raises. Use cases catch these errors; tests hand
the use cases fakes of these ports.
"""
from caas.service_layer.gateways.factory import (FactoryError, FactoryGateway, FactoryOrder,
                                                 FactoryRejected, FactoryUnavailable)
from caas.service_layer.gateways.iot import (Command, CommandFailed, CommandTimedOut, IotError,
                                             IotGateway, IotRejected, IotUnavailable,
                                             VehicleStatus)
from caas.service_layer.gateways.messaging import (MailGateway, ProviderError, ProviderRejected,
                                                   ProviderUnavailable, PushGateway, SmsGateway)
from caas.service_layer.gateways.payments import (KeyOutcome, Payment, PaymentDeclined,
                                                  PaymentError, PaymentNotAnswered,
                                                  PaymentOutcomeUnknown, PaymentRejected,
                                                  PaymentsGateway, PaymentUnavailable, Refund)
from caas.service_layer.gateways.registration import RegistrationError, RegistrationGateway
from caas.service_layer.gateways.vss import Maintenance, VssError, VssGateway, VssUnavailable

__all__ = [
    "Command", "CommandFailed", "CommandTimedOut", "FactoryError", "FactoryGateway",
    "FactoryOrder", "FactoryRejected", "FactoryUnavailable", "IotError", "IotGateway",
    "IotRejected", "IotUnavailable", "KeyOutcome", "MailGateway", "Maintenance", "Payment",
    "PaymentDeclined", "PaymentError", "PaymentNotAnswered", "PaymentOutcomeUnknown",
    "PaymentRejected", "PaymentUnavailable", "PaymentsGateway", "ProviderError",
    "ProviderRejected", "ProviderUnavailable", "PushGateway", "Refund", "RegistrationError",
    "RegistrationGateway", "SmsGateway", "VehicleStatus", "VssError", "VssGateway",
    "VssUnavailable",
]
