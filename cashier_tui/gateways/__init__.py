"""Payment gateway adapters behind the RefundGateway port."""
