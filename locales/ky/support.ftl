## Колдоо кызматынын кызматкерлери: /find, /stats, /resend (администраторлорго гана жооп берилет)

admin-find-usage =
    <code>/find</code> буйругун төлөм коду, буйрутманын номери же онлайн-чектин номери менен жөнөтүңүз, мисалы:
    <code>/find 1120 2611 7919</code>
admin-find-nothing = <code>{ $query }</code> боюнча эч нерсе табылган жок.
admin-find-more = Акыркы төлөмдөр гана көрсөтүлдү: { $count }.
admin-payment =
    <b>Буйрутма <code>{ $order_id }</code></b> (төлөм № { $payment_id })
    Төлөм коду: <code>{ $code }</code>
    Төлөөчү: { $payer }
    Кызмат: { $service }
    Сумма: { $amount }
    Төлөм статусу: <b>{ $status }</b>
    Эквайер: { $acquirer }, транзакция <code>{ $transaction }</code>
    Карта: { $card }
    Telegram колдонуучусу: <code>{ $user }</code>
    Түзүлгөн: { $created }
    Төлөнгөн: { $paid }
    Онлайн-чек: { $receipt }
admin-payment-declined = Четке кагуунун себеби: { $reason }
admin-events = <b>Окуялар</b> (Asia/Bishkek убактысы):
admin-events-none = Эквайердин билдирүүлөрү жана жөнөтүүлөр азырынча жок.
admin-event-callback = • { $at } эквайердин билдирүүсү: { $status } → { $outcome }
admin-event-outbox = • { $at } { $kind }: { $status }, аракеттер: { $attempts }
admin-event-outbox-error = • { $at } { $kind }: { $status }, аракеттер: { $attempts }, ката: { $error }
admin-outbox-status-pending = жөнөтүүнү күтүүдө
admin-outbox-status-sent = жөнөтүлдү
admin-outbox-status-failed = жеткирилген жок
admin-outbox-status-held = колдонуучу кайтканча кармалды
admin-stats =
    <b>Бүгүнкү төлөмдөр, { $day }</b> (Asia/Bishkek)
    Түзүлдү: { $total }
    Бүгүн төлөндү: { $paid } ({ $amounts })
admin-stats-by-status = <b>Статустар боюнча</b>
admin-stats-by-service = <b>Кызматтар боюнча</b>
admin-stats-line = • { $name }: { $count }
admin-resend-usage =
    <code>/resend</code> буйругун онлайн-чектин же буйрутманын номери менен жөнөтүңүз, мисалы:
    <code>/resend 20261124-0000001</code>
admin-resend-nothing = <code>{ $query }</code> боюнча онлайн-чек табылган жок.
admin-resend-no-chat = № { $query } онлайн-чекти жөнөтө турган жер жок: төлөөчүнүн чаты белгисиз.
admin-resend-queued = № { $number } онлайн-чек төлөөчүнүн чатына кайра жөнөтүү үчүн кезекке коюлду.

## Колдоо кызматынын чаты үчүн эскертүүлөр

alert-callback_rejected =
    ⚠️ <b>Эквайердин билдирүүсү четке кагылды</b>
    Себеби: <code>{ $reason }</code>
    Буйрутма: <code>{ $order_id }</code>
    Эквайер: { $acquirer }
alert-amount_mismatch =
    ⚠️ <b>Эквайердин билдирүүсүндөгү сумма төлөмдүн суммасына дал келбейт</b>
    Буйрутма: <code>{ $order_id }</code> (төлөм № { $payment_id })
    Күтүлгөн: { $expected }
    Алынган: { $got }
alert-payment_stuck =
    ⚠️ <b>Төлөм боюнча эквайерден жооп жок</b>
    Буйрутма: <code>{ $order_id }</code> (төлөм № { $payment_id })
    { $minutes } мүнөттөн бери жыйынтыктоочу статус жок.
alert-receipt_undelivered =
    ⚠️ <b>Онлайн-чек жеткирилген жок</b>
    Төлөм № { $payment_id }
    Себеби: { $reason }
alert-billing_unconfirmed =
    ⚠️ <b>Биллинг төлөнгөн төлөмдү ырастаган жок</b>
    Буйрутма: <code>{ $order_id }</code> (төлөм № { $payment_id })
    Себеби: { $reason }
alert-double_payment =
    ⚠️ <b>Төлөм коду эки жолу төлөндү: бир төлөмдү кайтарыңыз</b>
    Төлөм коду: <code>{ $payment_code }</code>
    Буйрутма: <code>{ $order_id }</code> (№ { $payment_id } төлөм), ошондой эле төлөнгөн: <code>{ $other_order_id }</code>
alert-other =
    ⚠️ <b>Эскертүү: { $kind }</b>
    Буйрутма: <code>{ $order_id }</code>, төлөм № { $payment_id }
