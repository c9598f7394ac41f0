## Language

language-choose = Choose your language · Тилди тандаңыз · Выберите язык
language-saved = The bot will speak English. You can change it any time with /language.

## Commands and help

command-start = Start over
command-pay = Pay a payment code
command-history = My payments
command-cancel = Cancel the current step
command-language = Change the language
command-documents = Official documents
command-privacy = { privacy-policy }
command-terms = { user-agreement }
command-mydata = My data
command-forget = Erase my data
command-support = Write to support
command-help = Help and contacts
help =
    Use this bot to pay for state services of the Kyrgyz Republic run by the state enterprise “Infocom”: ID cards (2017), general passports (2020), driving licences (national and international), the Meken-card and registration plates from the online auction.

    Send /pay and the payment code; the bot shows the payer's full name, the payment status and the amount, and gives you a link to the bank's payment page. The online receipt arrives here.

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
    Support: support@infocom.kg
    Technical support: +996 312 98-61-90, +996 312 98-61-91
    Call centre: 119 (from Kyrgyzstan only)
bot-short-description = Official bot of the state enterprise “Infocom”: pay for state services of the Kyrgyz Republic by payment code.
bot-description =
    Official bot of the state enterprise “Infocom” of the Ministry of Digital Development of the Kyrgyz Republic.
    Use it to pay for an ID card, a passport, a driving licence, the Meken-card or registration plates by payment code: the bot shows the payer and the amount, you pay on the bank's payment page, and the online receipt comes to this chat.
    Support: support@infocom.kg, +996 312 98-61-90.

## Payment code

ask-code =
    Send the <b>payment code</b> from your application.
    It has digits only; spaces and dashes are fine.
code-invalid =
    This is not a payment code: a payment code has 6 to 32 digits (spaces and dashes between them are fine).
    Check it and send it again, or /cancel.
code-unknown =
    This payment code was not found.
    Check the digits against your application and send the code again.
code-paid = Payment code <code>{ $code }</code> is already paid.
code-cancelled =
    Payment code <code>{ $code }</code> has been cancelled and cannot be paid.
    Please contact the service centre that issued it.
code-expired =
    Payment code <code>{ $code }</code> has expired and cannot be paid.
    Please ask the service centre for a new one.
billing-unavailable =
    The payment service is not answering right now. Please try again in a few minutes.
send-code-as-text = Please send the payment code as text: digits only.
lookup-too-often = You are checking payment codes too often. Please wait { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    } and try again.
lookup-wait = Too many payment codes were not found. For your security, please wait { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    } before trying again.
lookup-busy = The bot is handling many requests right now. Please try again in { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.

## Consent

consent-ask =
    Before we show the payer's data, please read and accept:
    • { privacy-policy }, version of { $privacy_version }
    • { user-agreement }, version of { $terms_version }
consent-ask-auction = • { auction-privacy-policy }, version of { $version }
consent-declined =
    Without your consent we cannot show the payer's data in this bot.
    You can pay on the website payment.infocom.kg or at a service centre. Send /pay to start again.
privacy-policy = Privacy policy
user-agreement = User agreement
button-read-privacy = 📄 { privacy-policy }
button-read-terms = 📄 { user-agreement }
button-read-auction = 📄 { auction-privacy-policy }
button-agree = ✅ I agree
button-decline = Decline
consent-given = Thank you: your consent is recorded.

## Bill

bill-details =
    <b>Payer's full name:</b> { $payer }
    <b>Service:</b> { $service }
    <b>Payment code:</b> <code>{ $code }</code>
    <b>Payment status:</b> { $status }
    <b>Amount to pay:</b> { $amount }
bill-cards = Cards accepted: { $cards }. The charge is in Kyrgyz som (KGS).
bill-approximately = ≈ { $amounts } (approximately: your bank converts at its own rate).
button-pay = Pay
button-remind-deadline = ⏰ Remind me before the deadline
button-cancel = Cancel

service-id_card_2017 = ID card (2017)
service-passport_2020 = General passport (2020)
service-driving_licence_national = Driving licence (national)
service-driving_licence_international = Driving licence (international)
service-meken_card = Meken-card
service-plate_auction = Online auction of registration plates

bill-status-unpaid = Unpaid
bill-status-paid = Paid
bill-status-cancelled = Cancelled
bill-status-expired = Expired

## Payment page

payment-link =
    Enter your card details on the bank's payment page. The bot never sees them.
    Amount to pay: <b>{ $amount }</b>. The link is valid until { $expires }.
payment-link-as-text =
    Open this link in your browser to pay:
    { $url }
button-open-page = 💳 Open the payment page
button-new-link = Get a new link
payment-description = Payment code { $code }
payment-in-progress-elsewhere =
    A payment page for this code is already open in another chat. It stays open until { $expires }; try again after that.
payment-page-unavailable = The payment page cannot be opened right now. Please try again in a minute.
payment-still-processing = Your earlier payment for this code is still being processed by the bank. Its result will come to this chat; please do not pay again until then.

## Reminders

page-reminder =
    ⏰ The payment page for code <code>{ $code }</code> ({ $amount }) is open until { $expires }.
    If you have not paid yet, open it now; after that you will need a new link.
deadline-reminder-set = I will remind you on { $when }.
deadline-reminder-too-late = The code must be paid by { $deadline }: too soon for a reminder. Please pay now.
deadline-reminder =
    ⏰ Payment code <code>{ $code }</code> ({ $amount }) is still unpaid.
    It must be paid by { $deadline }.
button-open-bill = Go to payment

## Outcome

receipt =
    <b>Online receipt № { $number }</b>
    Date and time: { $issued_at }
    Payer's full name: { $payer }
    Service: { $service }
    Payment code: <code>{ $code }</code>
    Amount: <b>{ $amount }</b>
    Card: { $card }
    Bank transaction ID: <code>{ $transaction }</code>
    Payment status: <b>{ $status }</b>
receipt-verify-link = Check this online receipt: { $url }
pdf-caption = Online receipt № { $number } as a PDF: show it at a consulate or a service centre, even offline.

payment-status-paid = Paid
payment-status-created = Awaiting payment
payment-status-declined = Declined
payment-status-expired = Link expired

payment-declined =
    The payment for code <code>{ $code }</code> was declined: { $reason }.
    No money was taken. You can try again with the same or another card.
decline-reason-insufficient_funds = insufficient funds on the card
decline-reason-other = the bank did not approve it
button-try-again = Try again
payment-expired =
    The payment link for code <code>{ $code }</code> has expired and no money was taken.
    Press the button to get a new link.

## Cancel, unexpected input, outages

cancelled = Cancelled. Send /pay when you want to pay a code.
cancel-already-paid = This code is already paid: there is nothing to cancel.
cancel-page-open = The payment page you opened stays valid until { $expires }. If you do not pay, it closes by itself; nothing is charged.
cancel-page-still-open = The payment page you opened stays open until { $expires }: /cancel does not close it. If you do not pay on it, it closes by itself; nothing is charged.
nothing-to-cancel = There is nothing to cancel. Send /pay to pay a code.
use-buttons = Please answer with the buttons above, or send /cancel.
unknown-input = Send /pay to pay a payment code, or /help.
button-outdated = This button is no longer active.
private-chat-only = I work in a private chat only: please write to me directly.
service-unavailable = The service is briefly unavailable. Nothing is lost: please try again in a minute.

## History

history-title = <b>Your payments</b> (page { $page } of { $pages }):
history-empty = You have no payments in this bot yet. Send /pay to pay a code.
history-line = { $date } · <code>{ $code }</code> · { $service } · { $amount } · { $status }
button-history-receipt = 🧾 Receipt № { $number }
button-history-open-page = 💳 Pay: { $code }
button-previous = ◀️ Previous
button-next = Next ▶️

## Official documents

auction-privacy-policy = Privacy policy of the online auction system
documents-list = The operator's official documents:
document-languages = { $languages ->
        [ky] The official text of “{ $title }” exists in Kyrgyz only; no text is machine-translated. Open it:
       *[other] The official text of “{ $title }” exists in Kyrgyz and Russian only; no text is machine-translated. Choose the language:
    }
document-page-header = <b>{ $title }</b>, version of { $version } · page { $page } of { $pages }
document-file-caption = { $title }, version of { $version }
button-as-file = 📎 The whole text as a file

## Personal data

mydata-caption = Everything the bot holds about you: language, consents, payments and online receipts (card numbers and names masked).
forget-confirm =
    The bot will erase your language, your conversation state and the link between your Telegram account and your payments, and record that you withdrew your consent.
    Payments and online receipts themselves are kept, without your Telegram account, because the operator must keep payment records by law. Erase?
button-forget = Erase my data
button-keep = Keep
forget-kept = Nothing was erased.
forget-payment-open = Nothing was erased: a payment page you opened is still valid until { $expires }. Once erased, its online receipt could not reach you. Send /forget again after you pay or after that time.
forget-done = Done: your data is erased and your consent withdrawn. Send /start if you want to use the bot again.
card-number-warning = ⚠️ Never send card data in a chat. The message is deleted. Card details are entered only on the bank's payment page.

## Support

button-write-to-support = ✉️ Write to support
support-unavailable = Writing to support through the bot is not available right now. Please contact the service centre.
support-ask =
    Write your question in one message and send it: it goes to support. Do not send card details. If you change your mind, send /cancel.
support-sent = Your message is sent to support as ticket no. { $ticket }. The answer will come here.
support-wait = You have written to support several times in a short while. Please wait { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    } and write again.
support-text-only = Please write your question as text.
support-answer =
    ✉️ <b>Answer from support</b> (ticket no. { $ticket }):

    { $text }

## Support chat (read by staff)

support-question =
    ✉️ <b>Ticket no. { $ticket }</b>
    Telegram user id: <code>{ $user_id }</code>, language: { $language }
    Recent payments: { $payments }

    { $text }

    <i>Reply to this message to answer the user.</i>
support-reply-unknown = This message is not a user's ticket: the reply was not sent to anyone.
support-reply-text-only = Only a text reply can be sent to the user.

## Official receipt: the PDF and the verification page

pdf-title = Online receipt { $number }
pdf-operator = State enterprise “Infocom” of the Ministry of Digital Development of the Kyrgyz Republic
receipt-heading = Online receipt
receipt-field-number = Receipt number
receipt-field-issued = Date and time
receipt-field-payer = Payer's full name
receipt-field-service = Service
receipt-field-code = Payment code
receipt-field-amount = Amount
receipt-field-card = Card
receipt-field-transaction = Bank transaction ID
receipt-field-status = Payment status
receipt-operator-address = 2 Cholpon-Ata (Ch. Valikhanov) Street, Bishkek 720000, Kyrgyz Republic
receipt-operator-support = Support: { $abroad } from abroad, { $local } from Kyrgyzstan, { $email }
pdf-verify = Scan the QR code or open the address below to check this online receipt:
verify-title = Online receipt check
verify-confirmed = ✅ The payment is confirmed.
verify-not-confirmed = ⚠️ The payment is not confirmed.
verify-checked-at = Checked on { $time }.
verify-no-such-receipt = No online receipt with this number exists.
verify-may-be-forged = If a document sent you to this page, it may be forged: do not accept it as proof of payment.

## Words, numbers and dates

zone-bishkek = Bishkek time (UTC+6)

## Back from the bank's payment page

return-title = Payment
return-text = The payment page is closed. The online receipt, or what happened to the payment, will come to your Telegram chat with the bot.

## Sandbox payment page (test acquirer)

sandbox-title = Test payment page
sandbox-warning = This is a test payment page. Do not enter a real card: only the test cards below work.
sandbox-order = Order
sandbox-amount = Amount
sandbox-card-number = Card number
sandbox-expiry = Expiry (MM/YY)
sandbox-cvc = CVC
sandbox-holder = Cardholder name (Latin letters)
sandbox-submit = Pay { $amount }
sandbox-test-cards = Test cards: { $approve } is approved, { $decline } is declined. Any future expiry, any CVC.
sandbox-error-card-number = The card number is not valid.
sandbox-error-expiry = The expiry date is not valid or has passed.
sandbox-error-cvc = The CVC has 3 or 4 digits.
sandbox-error-holder = Enter the cardholder name in Latin letters.
sandbox-error-not-test-card = Only the test cards work on this page.
sandbox-stale-form = This form was not sent from this page, or has expired. Open the payment page again from Telegram.
sandbox-approved = The payment is approved. The online receipt is on its way to your Telegram chat.
sandbox-declined = The payment was declined. Return to Telegram to try again.
sandbox-expired = This payment link has expired. Return to Telegram and press “{ button-new-link }”.
sandbox-closed = This payment is already completed. Return to Telegram.
sandbox-unavailable = The payment could not be completed now. Please try again.
sandbox-not-found = Page not found.
