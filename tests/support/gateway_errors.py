"""The external systems' errors and answers, imported from one place (their module may move)."""
from caas.adapters.http.factory import (FactoryError, FactoryOrder, FactoryRejected,
                                        FactoryUnavailable)
from caas.adapters.http.iot import (Command, CommandFailed, CommandTimedOut, IotError,
                                    IotRejected, IotUnavailable, VehicleStatus)
from caas.adapters.http.messaging import ProviderError, ProviderRejected, ProviderUnavailable
from caas.adapters.http.payments import (KeyOutcome, Payment, PaymentDeclined, PaymentError,
                                         PaymentNotAnswered, PaymentOutcomeUnknown,
                                         PaymentRejected, PaymentUnavailable)
from caas.adapters.http.vss import Maintenance, VssError, VssUnavailable

__all__ = ["Command", "CommandFailed", "CommandTimedOut", "FactoryError", "FactoryOrder",
           "FactoryRejected", "FactoryUnavailable", "IotError", "IotRejected", "IotUnavailable",
           "KeyOutcome", "Maintenance", "Payment", "PaymentDeclined", "PaymentError",
           "PaymentNotAnswered", "PaymentOutcomeUnknown", "PaymentRejected", "PaymentUnavailable",
           "ProviderError", "ProviderRejected", "ProviderUnavailable", "VehicleStatus", "VssError",
           "VssUnavailable"]
