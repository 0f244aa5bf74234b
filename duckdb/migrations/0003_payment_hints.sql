-- The tracker's payment events (window.datafast("payment", {email}), or
-- a checkout id in the page URL) are hints that link a visitor to a
-- customer, not payments: they become type 6 (openfast.EventPaymentHint).
-- Server-side payments always have a transaction id and an event id.
UPDATE events SET type = 6 WHERE type = 4 AND transaction_id = '' AND event_id = '';
