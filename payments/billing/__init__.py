from payments.billing.base import Bill, Billing, BillingUnavailable, PaidConfirmation

__all__ = ["Bill", "Billing", "BillingUnavailable", "PaidConfirmation"]
