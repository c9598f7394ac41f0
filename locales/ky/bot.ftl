## Language

language-choose = Choose your language · Тилди тандаңыз · Выберите язык
language-saved = Бот сиз менен кыргыз тилинде сүйлөшөт. Тилди каалаган убакта /language буйругу менен өзгөртө аласыз.

## Commands and help

command-start = Кайра баштоо
command-pay = Төлөм коду боюнча төлөө
command-history = Менин төлөмдөрүм
command-cancel = Учурдагы кадамды жокко чыгаруу
command-language = Тилди өзгөртүү
command-documents = Расмий документтер
command-privacy = { privacy-policy }
command-terms = { user-agreement }
command-mydata = Менин маалыматым
command-forget = Маалыматымды өчүрүү
command-support = Колдоо кызматына жазуу
command-help = Жардам жана байланыш
help =
    Бул бот аркылуу “Инфоком” мамлекеттик ишканасы көрсөткөн Кыргыз Республикасынын мамлекеттик кызматтары үчүн төлөй аласыз: 2017-жылдын үлгүсүндөгү ID-карта, 2020-жылдын үлгүсүндөгү жалпы жарандык паспорт, улуттук жана эл аралык үлгүдөгү айдоочулук күбөлүктөр, Мекен-карт жана онлайн-аукциондогу мамлекеттик каттоо номер белгилери.

    /pay буйругун жана төлөм кодун жөнөтүңүз: бот Пайдалануучунун аты-жөнүн, төлөм статусун жана төлөм суммасын көрсөтүп, банктын төлөм баракчасына шилтеме берет. Онлайн-чек ушул жерге келет.

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
    Колдоо кызматы: support@infocom.kg
    Техникалык колдоо: +996 312 98-61-90, +996 312 98-61-91
    Колл-борбор: 119 (Кыргызстандын ичинен гана)
bot-short-description = “Инфоком” мамлекеттик ишканасынын расмий боту: мамлекеттик кызматтар үчүн төлөм коду боюнча төлөө.
bot-description =
    Кыргыз Республикасынын Санариптик өнүктүрүү министрлигине караштуу “Инфоком” мамлекеттик ишканасынын расмий боту.
    Бул жерден ID-карта, паспорт, айдоочулук күбөлүк, Мекен-карт жана мамлекеттик каттоо номер белгилери үчүн төлөм коду боюнча төлөй аласыз: бот төлөөчүнү жана сумманы көрсөтөт, төлөм банктын төлөм баракчасында жүргүзүлөт, онлайн-чек ушул чатка келет.
    Колдоо кызматы: support@infocom.kg, +996 312 98-61-90.

## Payment code

ask-code =
    Арызыңыздагы <b>төлөм кодун</b> жөнөтүңүз.
    Код цифралардан гана турат; боштук жана сызыкча коюуга болот.
code-invalid =
    Бул төлөм коду эмес: төлөм коду 6дан 32ге чейин цифрадан турат (алардын ортосундагы боштук жана сызыкча эсепке алынбайт).
    Текшерип, кайра жөнөтүңүз же /cancel жөнөтүңүз.
code-unknown =
    Мындай төлөм коду табылган жок.
    Цифраларды арызыңыз менен салыштырып, кодду кайра жөнөтүңүз.
code-paid = <code>{ $code }</code> төлөм коду мурда эле төлөнгөн.
code-cancelled =
    <code>{ $code }</code> төлөм коду жокко чыгарылган, аны төлөөгө болбойт.
    Сураныч, аны берген тейлөө борборуна кайрылыңыз.
code-expired =
    <code>{ $code }</code> төлөм кодунун мөөнөтү бүткөн, аны төлөөгө болбойт.
    Сураныч, тейлөө борборунан жаңы код алыңыз.
billing-unavailable =
    Төлөм кызматы азыр жооп бербей жатат. Сураныч, бир нече мүнөттөн кийин кайра аракет кылып көрүңүз.
send-code-as-text = Сураныч, төлөм кодун текст түрүндө жөнөтүңүз: цифралар гана.
lookup-too-often = Төлөм коддорун өтө тез-тез текшерип жатасыз. Сураныч, { $minutes } мүнөт күтүп, кайра аракет кылыңыз.
lookup-wait = Табылбаган төлөм коддору өтө көп киргизилди. Коопсуздугуңуз үчүн { $minutes } мүнөт күтүп, кайра аракет кылыңыз.
lookup-busy = Азыр бот көп сурамдарды иштетип жатат. { $minutes } мүнөттөн кийин кайра аракет кылыңыз.

## Consent

consent-ask =
    Төлөөчүнүн маалыматтарын көрсөтүүдөн мурун, сураныч, төмөнкү документтер менен таанышып, аларды кабыл алыңыз:
    • { privacy-policy }, редакциясынын күнү: { $privacy_version }
    • { user-agreement }, редакциясынын күнү: { $terms_version }
consent-ask-auction = • { auction-privacy-policy }, редакциясынын күнү: { $version }
consent-declined =
    Сиздин макулдугуңузсуз бул ботто төлөөчүнүн маалыматтарын көрсөтө албайбыз.
    Төлөмдү payment.infocom.kg сайтында же тейлөө борборунда жүргүзө аласыз. Кайра баштоо үчүн /pay жөнөтүңүз.
privacy-policy = Купуялык саясаты
user-agreement = Пайдалануу макулдашуусу
button-read-privacy = 📄 { privacy-policy }
button-read-terms = 📄 { user-agreement }
button-read-auction = 📄 { auction-privacy-policy }
button-agree = ✅ Макулмун
button-decline = Баш тартуу
consent-given = Рахмат, макулдугуңуз катталды.

## Bill

bill-details =
    <b>Пайдалануучунун аты-жөнү:</b> { $payer }
    <b>Кызмат:</b> { $service }
    <b>Төлөм коду:</b> <code>{ $code }</code>
    <b>Төлөм статусу:</b> { $status }
    <b>Төлөм суммасы:</b> { $amount }
bill-cards = Кабыл алынган карталар: { $cards }. Төлөм кыргыз сому (KGS) менен жүргүзүлөт.
bill-approximately = ≈ { $amounts } (болжол менен: банкыңыз өз курсу боюнча кайра эсептейт).
button-pay = Төлөө
button-remind-deadline = ⏰ Мөөнөт жакындаганда эскертүү
button-cancel = Жокко чыгаруу

service-id_card_2017 = 2017-жылдын үлгүсүндөгү ID-карта
service-passport_2020 = 2020-жылдын үлгүсүндөгү жалпы жарандык паспорт
service-driving_licence_national = Улуттук үлгүдөгү айдоочулук күбөлүк
service-driving_licence_international = Эл аралык үлгүдөгү айдоочулук күбөлүк
service-meken_card = Мекен-карт
service-plate_auction = Мамлекеттик каттоо номер белгилеринин онлайн-аукциону

bill-status-unpaid = Төлөнгөн эмес
bill-status-paid = Төлөнгөн
bill-status-cancelled = Жокко чыгарылган
bill-status-expired = Мөөнөтү бүткөн

## Payment page

payment-link =
    Картаңыздын маалыматтарын банктын төлөм баракчасына киргизиңиз. Бот аларды эч качан көрбөйт.
    Төлөм суммасы: <b>{ $amount }</b>. Шилтеменин жарактуулук мөөнөтү: { $expires }.
payment-link-as-text =
    Төлөө үчүн бул шилтемени браузерде ачыңыз:
    { $url }
button-open-page = 💳 Төлөм баракчасын ачуу
button-new-link = Жаңы шилтеме алуу
payment-description = Төлөм коду { $code }
payment-in-progress-elsewhere =
    Бул код боюнча төлөм баракчасы башка чатта ачык турат, анын жарактуулук мөөнөтү: { $expires }. Ушул убакыт өткөндөн кийин кайра аракет кылыңыз.
payment-page-unavailable = Төлөм баракчасын азыр ачуу мүмкүн эмес. Сураныч, бир мүнөттөн кийин кайра аракет кылыңыз.
payment-still-processing = Бул код боюнча мурунку төлөмүңүз банкта дагы эле иштетилүүдө. Натыйжасы ушул чатка келет; ага чейин, сураныч, кайра төлөбөңүз.

## Reminders

page-reminder =
    ⏰ <code>{ $code }</code> кодунун төлөм баракчасы ({ $amount }) жакында жабылат. Жарактуулук мөөнөтү: { $expires }.
    Эгер али төлөй элек болсоңуз, аны азыр ачыңыз; мөөнөтү бүткөндөн кийин жаңы шилтеме алууга туура келет.
deadline-reminder-set = Эскертүү ушул убакта келет: { $when }.
deadline-reminder-too-late = Кодду төлөө мөөнөтү: { $deadline }. Эскертүү үчүн убакыт аз калды: сураныч, азыр төлөңүз.
deadline-reminder =
    ⏰ <code>{ $code }</code> төлөм коду ({ $amount }) али төлөнө элек.
    Төлөө мөөнөтү: { $deadline }.
button-open-bill = Төлөөгө өтүү

## Outcome

receipt =
    <b>Онлайн-чек № { $number }</b>
    Күнү жана убактысы: { $issued_at }
    Пайдалануучунун аты-жөнү: { $payer }
    Кызмат: { $service }
    Төлөм коду: <code>{ $code }</code>
    Сумма: <b>{ $amount }</b>
    Карта: { $card }
    Банктык транзакциянын номери: <code>{ $transaction }</code>
    Төлөм статусу: <b>{ $status }</b>
receipt-verify-link = Бул онлайн-чекти текшерүү: { $url }
pdf-caption = PDF түрүндөгү № { $number } онлайн-чек: аны консулдукта же тейлөө борборунда интернетсиз да көрсөтсөңүз болот.

payment-status-paid = Төлөндү
payment-status-created = Төлөм күтүлүүдө
payment-status-declined = Четке кагылды
payment-status-expired = Шилтеменин мөөнөтү бүттү

payment-declined =
    <code>{ $code }</code> коду боюнча төлөм четке кагылды: { $reason }.
    Картаңыздан акча алынган жок. Ошол эле же башка карта менен кайра аракет кылсаңыз болот.
decline-reason-insufficient_funds = картада каражат жетишсиз
decline-reason-other = банк төлөмдү жактырган жок
button-try-again = Кайра аракет кылуу
payment-expired =
    <code>{ $code }</code> төлөм кодун төлөө шилтемесинин мөөнөтү бүттү, акча алынган жок.
    Жаңы шилтеме алуу үчүн баскычты басыңыз.

## Cancel, unexpected input, outages

cancelled = Жокко чыгарылды. Кодду төлөгүңүз келгенде /pay жөнөтүңүз.
cancel-already-paid = Бул код төлөнгөн: жокко чыгара турган эч нерсе жок.
cancel-page-open = Сиз ачкан төлөм баракчасынын жарактуулук мөөнөтү: { $expires }. Төлөбөсөңүз, ал өзү жабылат; акча алынбайт.
cancel-page-still-open = Сиз ачкан төлөм баракчасын /cancel жаппайт. Анын жарактуулук мөөнөтү: { $expires }. Төлөбөсөңүз, ал өзү жабылат; акча алынбайт.
nothing-to-cancel = Жокко чыгара турган эч нерсе жок. Кодду төлөө үчүн /pay жөнөтүңүз.
use-buttons = Сураныч, жогорудагы баскычтар аркылуу жооп бериңиз же /cancel жөнөтүңүз.
unknown-input = Төлөм коду боюнча төлөө үчүн /pay же /help жөнөтүңүз.
button-outdated = Бул баскыч мындан ары иштебейт.
private-chat-only = Мен жеке чатта гана иштейм: сураныч, мага түз жазыңыз.
service-unavailable = Кызмат кыска убакытка жеткиликсиз. Эч нерсе жоголгон жок: бир мүнөттөн кийин кайра аракет кылыңыз.

## History

history-title = <b>Сиздин төлөмдөрүңүз</b> ({ $pages } барактын { $page }-барагы):
history-empty = Бул ботто азырынча төлөмдөрүңүз жок. Кодду төлөө үчүн /pay жөнөтүңүз.
history-line = { $date } · <code>{ $code }</code> · { $service } · { $amount } · { $status }
button-history-receipt = 🧾 № { $number } чек
button-history-open-page = 💳 Төлөө: { $code }
button-previous = ◀️ Артка
button-next = Алга ▶️

## Official documents

auction-privacy-policy = Онлайн-аукцион системасынын конфиденциалдуулук саясаты
documents-list = Оператордун расмий документтери:
document-languages = { $languages ->
        [ky] «{ $title }» расмий тексти кыргыз тилинде гана бар; машиналык котормо колдонулбайт. Ачыңыз:
       *[other] «{ $title }» расмий тексти кыргыз жана орус тилдеринде гана бар; машиналык котормо колдонулбайт. Тилди тандаңыз:
    }
document-page-header = <b>{ $title }</b>, редакциясынын күнү: { $version } · { $pages } барактын { $page }-барагы
document-file-caption = { $title }, редакциясынын күнү: { $version }
button-as-file = 📎 Толук текст файл түрүндө

## Personal data

mydata-caption = Бот сиз тууралуу сактаган бардык маалымат: тил, макулдуктар, төлөмдөр жана онлайн-чектер (карта номерлери жана аттар жашырылган).
forget-confirm =
    Бот сиздин тилиңизди, диалогдун абалын жана Telegram аккаунтуңуздун төлөмдөр менен байланышын өчүрөт, ошондой эле макулдугуңузду кайтарып алганыңызды каттайт.
    Төлөмдөрдүн жана онлайн-чектердин өзү Telegram'га байланышсыз сакталат, анткени оператор мыйзам боюнча төлөм жазууларын сактоого милдеттүү. Өчүрөлүбү?
button-forget = Маалыматымды өчүрүү
button-keep = Калтыруу
forget-kept = Эч нерсе өчүрүлгөн жок.
forget-payment-open = Эч нерсе өчүрүлгөн жок, анткени сиз ачкан төлөм баракчасы дагы эле жарактуу. Анын жарактуулук мөөнөтү: { $expires }. Өчүрүлгөндөн кийин андагы онлайн-чек сизге жетпей калмак. Төлөгөндөн кийин же ошол убакыттан кийин /forget кайра жөнөтүңүз.
forget-done = Даяр: маалыматыңыз өчүрүлдү, макулдугуңуз кайтарылып алынды. Ботту кайра колдонгуңуз келсе, /start жөнөтүңүз.
card-number-warning = ⚠️ Карта маалыматын эч качан чатка жөнөтпөңүз. Билдирүү өчүрүлдү. Карта маалыматы банктын төлөм баракчасында гана киргизилет.

## Support

button-write-to-support = ✉️ Колдоо кызматына жазуу
support-unavailable = Азыр бот аркылуу колдоо кызматына жазуу мүмкүн эмес. Сураныч, тейлөө борборуна кайрылыңыз.
support-ask =
    Сурооңузду бир билдирүү менен жазып жөнөтүңүз: ал колдоо кызматына барат. Карта маалыматын жөнөтпөңүз. Оюңуздан кайтсаңыз, /cancel жөнөтүңүз.
support-sent = Билдирүүңүз колдоо кызматына жөнөтүлдү, кайрылуунун номери: { $ticket }. Жооп ушул жерге келет.
support-wait = Колдоо кызматына кыска убакытта бир нече жолу жаздыңыз. { $minutes } мүнөт күтүп, кайра жазыңыз.
support-text-only = Сураныч, сурооңузду текст түрүндө жазыңыз.
support-answer =
    ✉️ <b>Колдоо кызматынын жообу</b> (кайрылуу № { $ticket }):

    { $text }

## Support chat (read by staff)

support-question =
    ✉️ <b>Кайрылуу № { $ticket }</b>
    Telegram user id: <code>{ $user_id }</code>, тили: { $language }
    Акыркы төлөмдөр: { $payments }

    { $text }

    <i>Пайдалануучуга жооп берүү үчүн ушул билдирүүгө жооп (reply) жазыңыз.</i>
support-reply-unknown = Бул билдирүү пайдалануучунун кайрылуусу эмес: жооп эч кимге жөнөтүлгөн жок.
support-reply-text-only = Пайдалануучуга текст түрүндөгү жооп гана жөнөтүлөт.

## Official receipt: the PDF and the verification page

pdf-title = Онлайн-чек { $number }
pdf-operator = Кыргыз Республикасынын Санариптик өнүктүрүү министрлигине караштуу “Инфоком” мамлекеттик ишканасы
receipt-heading = Онлайн-чек
receipt-field-number = Чектин номери
receipt-field-issued = Күнү жана убактысы
receipt-field-payer = Пайдалануучунун аты-жөнү
receipt-field-service = Кызмат
receipt-field-code = Төлөм коду
receipt-field-amount = Сумма
receipt-field-card = Карта
receipt-field-transaction = Банктык транзакциянын номери
receipt-field-status = Төлөм статусу
receipt-operator-address = Кыргыз Республикасы, 720000, Бишкек шаары, Чолпон-Ата (Ч.Валиханов) көчөсү, 2
receipt-operator-support = Техникалык колдоо: чет өлкөдөн { $abroad }, Кыргызстандан { $local }, { $email }
pdf-verify = Бул онлайн-чекти текшерүү үчүн QR-кодду сканерлеңиз же төмөнкү шилтемени ачыңыз:
verify-title = Онлайн-чекти текшерүү
verify-confirmed = ✅ Төлөм ырасталды.
verify-not-confirmed = ⚠️ Төлөм ырасталган жок.
verify-checked-at = Текшерилген убакыт: { $time }.
verify-no-such-receipt = Мындай номердеги онлайн-чек жок.
verify-may-be-forged = Эгер бул баракчанын дареги кандайдыр бир документте көрсөтүлгөн болсо, ал документ жасалма болушу мүмкүн: аны төлөмдүн далили катары кабыл албаңыз.

## Words, numbers and dates

zone-bishkek = Бишкек убактысы (UTC+6)

## Back from the bank's payment page

return-title = Төлөм
return-text = Төлөм баракчасы жабылды. Онлайн-чек же төлөмдүн натыйжасы тууралуу билдирүү Telegram'дагы бот менен болгон чатыңызга келет.

## Sandbox payment page (test acquirer)

sandbox-title = Сыноо төлөм баракчасы
sandbox-warning = Бул сыноо төлөм баракчасы. Чыныгы картанын маалыматтарын киргизбеңиз: төмөндөгү сыноо карталары гана иштейт.
sandbox-order = Буйрутма
sandbox-amount = Сумма
sandbox-card-number = Картанын номери
sandbox-expiry = Жарактуулук мөөнөтү (АА/ЖЖ)
sandbox-cvc = CVC
sandbox-holder = Карта ээсинин аты (латын тамгалары менен)
sandbox-submit = { $amount } төлөө
sandbox-test-cards = Сыноо карталары: { $approve } картасы менен төлөм жактырылат, { $decline } картасы менен четке кагылат. Жарактуулук мөөнөтү келечектеги каалаган күн, CVC каалаган сан.
sandbox-error-card-number = Картанын номери туура эмес.
sandbox-error-expiry = Жарактуулук мөөнөтү туура эмес же өтүп кеткен.
sandbox-error-cvc = CVC 3 же 4 цифрадан турат.
sandbox-error-holder = Карта ээсинин атын латын тамгалары менен киргизиңиз.
sandbox-error-not-test-card = Бул баракчада сыноо карталары гана иштейт.
sandbox-stale-form = Бул форма ушул баракчадан жөнөтүлгөн эмес же анын мөөнөтү өтүп кеткен. Төлөм баракчасын Telegram'дан кайра ачыңыз.
sandbox-approved = Төлөм жактырылды. Онлайн-чек Telegram чатыңызга жөнөтүлүүдө.
sandbox-declined = Төлөм четке кагылды. Кайра аракет кылуу үчүн Telegram'га кайтыңыз.
sandbox-expired = Бул төлөм шилтемесинин мөөнөтү бүттү. Telegram'га кайтып, «{ button-new-link }» баскычын басыңыз.
sandbox-closed = Бул төлөм мурда эле аяктаган. Telegram'га кайтыңыз.
sandbox-unavailable = Төлөмдү азыр аягына чыгаруу мүмкүн болгон жок. Сураныч, кайра аракет кылыңыз.
sandbox-not-found = Баракча табылган жок.
