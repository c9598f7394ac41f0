## Language

language-choose = Choose your language · Тилди тандаңыз · Выберите язык
language-saved = Бот будет общаться с вами на русском языке. Сменить язык можно в любой момент командой /language.

## Commands and help

command-start = Начать заново
command-pay = Оплатить по коду оплаты
command-history = Мои платежи
command-cancel = Отменить текущий шаг
command-language = Сменить язык
command-documents = Официальные документы
command-privacy = { privacy-policy }
command-terms = { user-agreement }
command-mydata = Мои данные
command-forget = Удалить мои данные
command-support = Написать в поддержку
command-help = Помощь и контакты
help =
    Этот бот принимает оплату за государственные услуги Кыргызской Республики, которые оказывает Государственное предприятие «Инфоком»: ID-карты образца 2017 года, общегражданские паспорта образца 2020 года, водительские удостоверения (национального и международного образца), Мекен-карту и государственные регистрационные номера с онлайн-аукциона.

    Отправьте /pay и код оплаты: бот покажет ФИО Пользователя, статус оплаты и сумму к оплате и даст ссылку на платёжную страницу банка. Онлайн-чек придёт сюда же.

    /pay — { command-pay }
    /history — { command-history }
    /cancel — { command-cancel }
    /language — { command-language }
    /documents — { command-documents }
    /privacy — { command-privacy }
    /terms — { command-terms }
    /mydata — { command-mydata }
    /forget — { command-forget }
    /support — { command-support }
    /start — { command-start }
    /help — { command-help }

    { help-contacts }
help-contacts =
    Поддержка: support@infocom.kg
    Техническая поддержка: +996 312 98-61-90, +996 312 98-61-91
    Колл-центр: 119 (только из Кыргызстана)
bot-short-description = Официальный бот ГП «Инфоком»: оплата государственных услуг Кыргызской Республики по коду оплаты.
bot-description =
    Официальный бот Государственного предприятия «Инфоком» при Министерстве цифрового развития Кыргызской Республики.
    Здесь можно оплатить по коду оплаты ID-карту, паспорт, водительское удостоверение, Мекен-карту и государственные регистрационные номера: бот покажет плательщика и сумму, оплата проходит на платёжной странице банка, онлайн-чек придёт в этот чат.
    Поддержка: support@infocom.kg, +996 312 98-61-90.

## Payment code

ask-code =
    Отправьте <b>код оплаты</b> из вашего заявления.
    Он состоит только из цифр; пробелы и дефисы допускаются.
code-invalid =
    Это не код оплаты: код оплаты состоит из 6–32 цифр (пробелы и дефисы между ними допускаются).
    Проверьте его и отправьте ещё раз или отправьте /cancel.
code-unknown =
    Платёж с таким кодом не найден.
    Сверьте цифры с вашим заявлением и отправьте код ещё раз.
code-paid = Код оплаты <code>{ $code }</code> уже оплачен.
code-cancelled =
    Код оплаты <code>{ $code }</code> аннулирован, оплатить его нельзя.
    Пожалуйста, обратитесь в центр обслуживания, который его выдал.
code-expired =
    Срок действия кода оплаты <code>{ $code }</code> истёк, оплатить его нельзя.
    Пожалуйста, получите новый код в центре обслуживания.
billing-unavailable =
    Платёжный сервис сейчас не отвечает. Пожалуйста, попробуйте ещё раз через несколько минут.
send-code-as-text = Пожалуйста, отправьте код оплаты текстом: только цифры.
lookup-too-often = Вы проверяете коды оплаты слишком часто. Пожалуйста, подождите { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
        [many] минут
       *[other] минуты
    } и попробуйте снова.
lookup-wait = Слишком много кодов оплаты не найдено. Для вашей безопасности подождите { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
        [many] минут
       *[other] минуты
    } и попробуйте снова.
lookup-busy = Сейчас бот обрабатывает много запросов. Попробуйте снова через { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
        [many] минут
       *[other] минуты
    }.

## Consent

consent-ask =
    Прежде чем показать данные плательщика, пожалуйста, ознакомьтесь и примите:
    • { privacy-policy }, редакция от { $privacy_version }
    • { user-agreement }, редакция от { $terms_version }
consent-ask-auction = • { auction-privacy-policy }, редакция от { $version }
consent-declined =
    Без вашего согласия мы не можем показать данные плательщика в этом боте.
    Вы можете оплатить на сайте payment.infocom.kg или в центре обслуживания. Отправьте /pay, чтобы начать заново.
privacy-policy = Политика конфиденциальности
user-agreement = Пользовательское соглашение
button-read-privacy = 📄 { privacy-policy }
button-read-terms = 📄 { user-agreement }
button-read-auction = 📄 { auction-privacy-policy }
button-agree = ✅ Принимаю
button-decline = Отказаться
consent-given = Спасибо, ваше согласие сохранено.

## Bill

bill-details =
    <b>ФИО Пользователя:</b> { $payer }
    <b>Услуга:</b> { $service }
    <b>Код оплаты:</b> <code>{ $code }</code>
    <b>Статус оплаты:</b> { $status }
    <b>Сумма к оплате:</b> { $amount }
bill-cards = Принимаются карты: { $cards }. Списание — в кыргызских сомах (KGS).
bill-approximately = ≈ { $amounts } (приблизительно: ваш банк пересчитает по своему курсу).
button-pay = Оплатить
button-remind-deadline = ⏰ Напомнить до срока оплаты
button-cancel = Отмена

service-id_card_2017 = ID-карта образца 2017 года
service-passport_2020 = Общегражданский паспорт образца 2020 года
service-driving_licence_national = Водительское удостоверение национального образца
service-driving_licence_international = Водительское удостоверение международного образца
service-meken_card = Мекен-карта
service-plate_auction = Онлайн-аукцион государственных регистрационных номеров

bill-status-unpaid = Не оплачено
bill-status-paid = Оплачено
bill-status-cancelled = Аннулировано
bill-status-expired = Срок действия истёк

## Payment page

payment-link =
    Введите данные карты на платёжной странице банка. Бот их никогда не видит.
    Сумма к оплате: <b>{ $amount }</b>. Ссылка действительна до { $expires }.
payment-link-as-text =
    Чтобы оплатить, откройте эту ссылку в браузере:
    { $url }
button-open-page = 💳 Открыть платёжную страницу
button-new-link = Получить новую ссылку
payment-description = Код оплаты { $code }
payment-in-progress-elsewhere =
    Платёжная страница по этому коду уже открыта в другом чате. Она действует до { $expires }; после этого попробуйте ещё раз.
payment-page-unavailable = Платёжную страницу сейчас не удаётся открыть. Пожалуйста, попробуйте ещё раз через минуту.
payment-still-processing = Ваш предыдущий платёж по этому коду ещё обрабатывается банком. Результат придёт в этот чат; до тех пор, пожалуйста, не оплачивайте повторно.

## Reminders

page-reminder =
    ⏰ Платёжная страница кода <code>{ $code }</code> ({ $amount }) действует до { $expires }.
    Если вы ещё не оплатили, откройте её сейчас; потом понадобится новая ссылка.
deadline-reminder-set = Напомню: { $when }.
deadline-reminder-too-late = Код нужно оплатить до { $deadline }: для напоминания слишком мало времени. Пожалуйста, оплатите сейчас.
deadline-reminder =
    ⏰ Код оплаты <code>{ $code }</code> ({ $amount }) ещё не оплачен.
    Оплатить его нужно до { $deadline }.
button-open-bill = Перейти к оплате

## Outcome

receipt =
    <b>Онлайн-чек № { $number }</b>
    Дата и время: { $issued_at }
    ФИО Пользователя: { $payer }
    Услуга: { $service }
    Код оплаты: <code>{ $code }</code>
    Сумма: <b>{ $amount }</b>
    Карта: { $card }
    Номер транзакции в банке: <code>{ $transaction }</code>
    Статус оплаты: <b>{ $status }</b>
receipt-verify-link = Проверить этот онлайн-чек: { $url }
pdf-caption = Онлайн-чек № { $number } в PDF: его можно показать в консульстве или центре обслуживания, даже без интернета.

payment-status-paid = Оплачено
payment-status-created = Ожидает оплаты
payment-status-declined = Отклонено
payment-status-expired = Срок действия ссылки истёк

payment-declined =
    Оплата по коду <code>{ $code }</code> отклонена: { $reason }.
    Деньги не списаны. Вы можете попробовать ещё раз с той же или другой картой.
decline-reason-insufficient_funds = на карте недостаточно средств
decline-reason-other = банк не одобрил операцию
button-try-again = Попробовать ещё раз
payment-expired =
    Срок действия ссылки на оплату кода <code>{ $code }</code> истёк, деньги не списаны.
    Нажмите кнопку, чтобы получить новую ссылку.

## Cancel, unexpected input, outages

cancelled = Отменено. Отправьте /pay, когда захотите оплатить код.
cancel-already-paid = Этот код уже оплачен: отменять нечего.
cancel-page-open = Открытая вами платёжная страница действует до { $expires }. Если не платить, она закроется сама; деньги не спишутся.
cancel-page-still-open = Открытая вами платёжная страница действует до { $expires }: /cancel её не закрывает. Если не оплатить на ней, она закроется сама; ничего не спишется.
nothing-to-cancel = Отменять нечего. Отправьте /pay, чтобы оплатить код.
use-buttons = Пожалуйста, ответьте с помощью кнопок выше или отправьте /cancel.
unknown-input = Отправьте /pay, чтобы оплатить по коду оплаты, или /help.
button-outdated = Эта кнопка больше не активна.
private-chat-only = Я работаю только в личном чате: пожалуйста, напишите мне напрямую.
service-unavailable = Сервис ненадолго недоступен. Ничего не потеряно: попробуйте снова через минуту.

## History

history-title = <b>Ваши платежи</b> (страница { $page } из { $pages }):
history-empty = У вас пока нет платежей в этом боте. Отправьте /pay, чтобы оплатить код.
history-line = { $date } · <code>{ $code }</code> · { $service } · { $amount } · { $status }
button-history-receipt = 🧾 Чек № { $number }
button-history-open-page = 💳 Оплатить: { $code }
button-previous = ◀️ Назад
button-next = Далее ▶️

## Official documents

auction-privacy-policy = Политика конфиденциальности системы онлайн-аукциона
documents-list = Официальные документы оператора:
document-languages = { $languages ->
        [ky] Официальный текст «{ $title }» существует только на кыргызском языке; машинный перевод не используется. Откройте его:
       *[other] Официальный текст «{ $title }» существует только на кыргызском и русском языках; машинный перевод не используется. Выберите язык:
    }
document-page-header = <b>{ $title }</b>, редакция от { $version } · страница { $page } из { $pages }
document-file-caption = { $title }, редакция от { $version }
button-as-file = 📎 Весь текст файлом

## Personal data

mydata-caption = Всё, что бот хранит о вас: язык, согласия, платежи и онлайн-чеки (номера карт и имена скрыты).
forget-confirm =
    Бот удалит ваш язык, состояние диалога и связь вашего аккаунта Telegram с платежами, а также запишет отзыв вашего согласия.
    Сами платежи и онлайн-чеки сохраняются, без привязки к Telegram, потому что оператор обязан хранить платёжные записи по закону. Удалить?
button-forget = Удалить мои данные
button-keep = Оставить
forget-kept = Ничего не удалено.
forget-payment-open = Ничего не удалено: открытая вами платёжная страница действует до { $expires }. После удаления онлайн-чек по ней не смог бы до вас дойти. Отправьте /forget снова после оплаты или после этого времени.
forget-done = Готово: ваши данные удалены, согласие отозвано. Отправьте /start, если захотите снова воспользоваться ботом.
card-number-warning = ⚠️ Никогда не отправляйте данные карты в чат. Сообщение удалено. Данные карты вводятся только на платёжной странице банка.

## Support

button-write-to-support = ✉️ Написать в поддержку
support-unavailable = Написать в поддержку через бота сейчас нельзя. Пожалуйста, обратитесь в центр обслуживания.
support-ask =
    Напишите вопрос одним сообщением и отправьте: оно уйдёт в службу поддержки. Не отправляйте данные карты. Если передумали, отправьте /cancel.
support-sent = Ваше сообщение передано в службу поддержки, обращение № { $ticket }. Ответ придёт сюда.
support-wait = Вы несколько раз подряд писали в службу поддержки. Подождите { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
        [many] минут
       *[other] минуты
    } и напишите снова.
support-text-only = Пожалуйста, напишите вопрос текстом.
support-answer =
    ✉️ <b>Ответ службы поддержки</b> (обращение № { $ticket }):

    { $text }

## Support chat (read by staff)

support-question =
    ✉️ <b>Обращение № { $ticket }</b>
    Telegram user id: <code>{ $user_id }</code>, язык: { $language }
    Последние платежи: { $payments }

    { $text }

    <i>Ответьте на это сообщение (reply), чтобы ответ ушёл пользователю.</i>
support-reply-unknown = Это сообщение не обращение пользователя: ответ никому не отправлен.
support-reply-text-only = Пользователю можно отправить только текстовый ответ.

## Official receipt: the PDF and the verification page

pdf-title = Онлайн-чек { $number }
pdf-operator = Государственное предприятие «Инфоком» при Министерстве цифрового развития Кыргызской Республики
receipt-heading = Онлайн-чек
receipt-field-number = Номер чека
receipt-field-issued = Дата и время
receipt-field-payer = ФИО Пользователя
receipt-field-service = Услуга
receipt-field-code = Код оплаты
receipt-field-amount = Сумма
receipt-field-card = Карта
receipt-field-transaction = Номер транзакции в банке
receipt-field-status = Статус оплаты
receipt-operator-address = Кыргызская Республика, 720000, город Бишкек, улица Чолпон-Атинская (Ч.Валиханова), 2
receipt-operator-support = Техническая поддержка: { $abroad } из-за рубежа, { $local } из Кыргызстана, { $email }
pdf-verify = Чтобы проверить этот онлайн-чек, отсканируйте QR-код или откройте адрес ниже:
verify-title = Проверка онлайн-чека
verify-confirmed = ✅ Оплата подтверждена.
verify-not-confirmed = ⚠️ Оплата не подтверждена.
verify-checked-at = Проверено { $time }.
verify-no-such-receipt = Онлайн-чека с таким номером не существует.
verify-may-be-forged = Если на эту страницу вас направил документ, он может быть поддельным: не принимайте его как подтверждение оплаты.

## Words, numbers and dates

zone-bishkek = время Бишкека (UTC+6)

## Back from the bank's payment page

return-title = Оплата
return-text = Платёжная страница закрыта. Онлайн-чек или сообщение о результате оплаты придёт в ваш чат с ботом в Telegram.

## Sandbox payment page (test acquirer)

sandbox-title = Тестовая страница оплаты
sandbox-warning = Это тестовая страница оплаты. Не вводите данные настоящей карты: работают только тестовые карты, указанные ниже.
sandbox-order = Заказ
sandbox-amount = Сумма
sandbox-card-number = Номер карты
sandbox-expiry = Срок действия (ММ/ГГ)
sandbox-cvc = CVC
sandbox-holder = Имя держателя карты (латинскими буквами)
sandbox-submit = Оплатить { $amount }
sandbox-test-cards = Тестовые карты: по карте { $approve } оплата одобряется, по карте { $decline } отклоняется. Срок действия — любой в будущем, CVC — любой.
sandbox-error-card-number = Неверный номер карты.
sandbox-error-expiry = Срок действия указан неверно или уже истёк.
sandbox-error-cvc = CVC состоит из 3 или 4 цифр.
sandbox-error-holder = Введите имя держателя карты латинскими буквами.
sandbox-error-not-test-card = На этой странице работают только тестовые карты.
sandbox-stale-form = Форма отправлена не с этой страницы или устарела. Откройте страницу оплаты заново из Telegram.
sandbox-approved = Оплата одобрена. Онлайн-чек уже отправляется в ваш чат в Telegram.
sandbox-declined = Оплата отклонена. Вернитесь в Telegram, чтобы попробовать ещё раз.
sandbox-expired = Срок действия этой ссылки на оплату истёк. Вернитесь в Telegram и нажмите «{ button-new-link }».
sandbox-closed = Эта оплата уже завершена. Вернитесь в Telegram.
sandbox-unavailable = Не удалось завершить оплату. Пожалуйста, попробуйте ещё раз.
sandbox-not-found = Страница не найдена.
