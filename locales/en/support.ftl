## Support staff: /find, /stats, /resend (answered to admins only)

admin-find-usage =
    Send <code>/find</code> with a payment code, an order id or an online receipt number, for example:
    <code>/find 1120 2611 7919</code>
admin-find-nothing = Nothing found for <code>{ $query }</code>.
admin-find-more = Showing the { $count } newest payments only.
admin-payment =
    <b>Order <code>{ $order_id }</code></b> (payment no. { $payment_id })
    Payment code: <code>{ $code }</code>
    Payer: { $payer }
    Service: { $service }
    Amount: { $amount }
    Payment status: <b>{ $status }</b>
    Acquirer: { $acquirer }, transaction <code>{ $transaction }</code>
    Card: { $card }
    Telegram user: <code>{ $user }</code>
    Created: { $created }
    Paid: { $paid }
    Online receipt: { $receipt }
admin-payment-declined = Decline reason: { $reason }
admin-events = <b>Events</b> (Asia/Bishkek time):
admin-events-none = No acquirer callbacks or deliveries yet.
admin-event-callback = • { $at } acquirer callback: { $status } → { $outcome }
admin-event-outbox = • { $at } { $kind }: { $status }, attempts: { $attempts }
admin-event-outbox-error = • { $at } { $kind }: { $status }, attempts: { $attempts }, error: { $error }
admin-outbox-status-pending = pending
admin-outbox-status-sent = sent
admin-outbox-status-failed = failed
admin-outbox-status-held = held until the user is back
admin-stats =
    <b>Payments today, { $day }</b> (Asia/Bishkek)
    Created: { $total }
    Paid today: { $paid } ({ $amounts })
admin-stats-by-status = <b>By status</b>
admin-stats-by-service = <b>By service</b>
admin-stats-line = • { $name }: { $count }
admin-resend-usage =
    Send <code>/resend</code> with an online receipt number or an order id, for example:
    <code>/resend 20261124-0000001</code>
admin-resend-nothing = No online receipt found for <code>{ $query }</code>.
admin-resend-no-chat = Online receipt no. { $query } has no chat to be sent to.
admin-resend-queued = Online receipt no. { $number } is queued to be sent again to the payer's chat.

## Alerts for the support chat

alert-callback_rejected =
    ⚠️ <b>Acquirer callback rejected</b>
    Reason: <code>{ $reason }</code>
    Order: <code>{ $order_id }</code>
    Acquirer: { $acquirer }
alert-amount_mismatch =
    ⚠️ <b>The amount in the acquirer callback does not match the payment</b>
    Order: <code>{ $order_id }</code> (payment no. { $payment_id })
    Expected: { $expected }
    Received: { $got }
alert-payment_stuck =
    ⚠️ <b>No answer from the acquirer about a payment</b>
    Order: <code>{ $order_id }</code> (payment no. { $payment_id })
    No final status for { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
alert-receipt_undelivered =
    ⚠️ <b>Online receipt not delivered</b>
    Payment no. { $payment_id }
    Reason: { $reason }
alert-billing_unconfirmed =
    ⚠️ <b>The billing has not confirmed a paid payment</b>
    Order: <code>{ $order_id }</code> (payment no. { $payment_id })
    Reason: { $reason }
alert-double_payment =
    ⚠️ <b>A payment code was paid twice: refund one</b>
    Payment code: <code>{ $payment_code }</code>
    Order: <code>{ $order_id }</code> (payment no. { $payment_id }), also paid: <code>{ $other_order_id }</code>
alert-other =
    ⚠️ <b>Alert: { $kind }</b>
    Order: <code>{ $order_id }</code>, payment no. { $payment_id }
