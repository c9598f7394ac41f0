## Сотрудники поддержки: /find, /stats, /resend (отвечают только администраторам)

admin-find-usage =
    Отправьте <code>/find</code> и код оплаты, номер заказа или номер онлайн-чека, например:
    <code>/find 1120 2611 7919</code>
admin-find-nothing = По запросу <code>{ $query }</code> ничего не найдено.
admin-find-more = Показаны только последние платежи: { $count }.
admin-payment =
    <b>Заказ <code>{ $order_id }</code></b> (платёж № { $payment_id })
    Код оплаты: <code>{ $code }</code>
    Плательщик: { $payer }
    Услуга: { $service }
    Сумма: { $amount }
    Статус оплаты: <b>{ $status }</b>
    Эквайер: { $acquirer }, транзакция <code>{ $transaction }</code>
    Карта: { $card }
    Пользователь Telegram: <code>{ $user }</code>
    Создан: { $created }
    Оплачен: { $paid }
    Онлайн-чек: { $receipt }
admin-payment-declined = Причина отказа: { $reason }
admin-events = <b>События</b> (время Asia/Bishkek):
admin-events-none = Уведомлений эквайера и отправок пока нет.
admin-event-callback = • { $at } уведомление эквайера: { $status } → { $outcome }
admin-event-outbox = • { $at } { $kind }: { $status }, попыток: { $attempts }
admin-event-outbox-error = • { $at } { $kind }: { $status }, попыток: { $attempts }, ошибка: { $error }
admin-outbox-status-pending = ожидает отправки
admin-outbox-status-sent = отправлено
admin-outbox-status-failed = не доставлено
admin-outbox-status-held = отложено до возвращения пользователя
admin-stats =
    <b>Платежи за сегодня, { $day }</b> (Asia/Bishkek)
    Создано: { $total }
    Оплачено сегодня: { $paid } ({ $amounts })
admin-stats-by-status = <b>По статусам</b>
admin-stats-by-service = <b>По услугам</b>
admin-stats-line = • { $name }: { $count }
admin-resend-usage =
    Отправьте <code>/resend</code> и номер онлайн-чека или номер заказа, например:
    <code>/resend 20261124-0000001</code>
admin-resend-nothing = Онлайн-чек по запросу <code>{ $query }</code> не найден.
admin-resend-no-chat = Онлайн-чек № { $query } некуда отправить: чат плательщика неизвестен.
admin-resend-queued = Онлайн-чек № { $number } поставлен в очередь на повторную отправку в чат плательщика.

## Оповещения для чата поддержки

alert-callback_rejected =
    ⚠️ <b>Уведомление эквайера отклонено</b>
    Причина: <code>{ $reason }</code>
    Заказ: <code>{ $order_id }</code>
    Эквайер: { $acquirer }
alert-amount_mismatch =
    ⚠️ <b>Сумма в уведомлении эквайера не совпадает с суммой платежа</b>
    Заказ: <code>{ $order_id }</code> (платёж № { $payment_id })
    Ожидалось: { $expected }
    Получено: { $got }
alert-payment_stuck =
    ⚠️ <b>Нет ответа эквайера по платежу</b>
    Заказ: <code>{ $order_id }</code> (платёж № { $payment_id })
    Окончательного статуса нет уже { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
        [many] минут
       *[other] минуты
    }.
alert-receipt_undelivered =
    ⚠️ <b>Онлайн-чек не доставлен</b>
    Платёж № { $payment_id }
    Причина: { $reason }
alert-billing_unconfirmed =
    ⚠️ <b>Биллинг не подтвердил оплаченный платёж</b>
    Заказ: <code>{ $order_id }</code> (платёж № { $payment_id })
    Причина: { $reason }
alert-double_payment =
    ⚠️ <b>Код оплаты оплачен дважды: верните один платёж</b>
    Код оплаты: <code>{ $payment_code }</code>
    Заказ: <code>{ $order_id }</code> (платёж № { $payment_id }), также оплачен: <code>{ $other_order_id }</code>
alert-other =
    ⚠️ <b>Оповещение: { $kind }</b>
    Заказ: <code>{ $order_id }</code>, платёж № { $payment_id }
