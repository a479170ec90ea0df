"""The external systems' errors and answers, as the tests import them (the service layer's
ports)."""
from caas.service_layer.gateways import (Command, CommandFailed, CommandTimedOut, FactoryError,
                                         FactoryOrder, FactoryRejected, FactoryUnavailable,
                                         IotError, IotRejected, IotUnavailable, KeyOutcome,
                                         Maintenance, Payment, PaymentDeclined, PaymentError,
                                         PaymentNotAnswered, PaymentOutcomeUnknown,
                                         PaymentRejected, PaymentUnavailable, ProviderError,
                                         ProviderRejected, ProviderUnavailable, VehicleStatus,
                                         VssError, VssUnavailable)

__all__ = ["Command", "CommandFailed", "CommandTimedOut", "FactoryError", "FactoryOrder",
           "FactoryRejected", "FactoryUnavailable", "IotError", "IotRejected", "IotUnavailable",
           "KeyOutcome", "Maintenance", "Payment", "PaymentDeclined", "PaymentError",
           "PaymentNotAnswered", "PaymentOutcomeUnknown", "PaymentRejected", "PaymentUnavailable",
           "ProviderError", "ProviderRejected", "ProviderUnavailable", "VehicleStatus", "VssError",
           "VssUnavailable"]
