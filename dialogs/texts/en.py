"""English texts: the same keys and placeholders as the Russian catalogue."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # -- first contact, consent, menu --------------------------------------------------------
    "welcome": (
        "Hello! I can take your electricity meter readings and show the amount due at once.\n"
        "To link your account I need your consent to the processing of personal data "
        "(Federal Law 152-FZ)."
    ),
    "welcome_back": "Hello! How can I help?",
    "consent_info": (
        "The operator of your personal data is {supplier}. The purpose: taking your electricity "
        "meter readings and showing your account's bill.\n"
        "What I keep: the account number linked to this chat and its name; the readings you "
        "submit and the bills computed from them; your language and your reminder and notice "
        "settings. A phone number only if you share it yourself, and only to find your account: "
        "it is not kept.\n"
        "For how long: this chat's data until you erase it. Readings and bills stay with "
        "{supplier} in your account's billing records, no longer tied to this chat. Service "
        "records (message ids, failed linking tries) at most 7 days.\n"
        "Nothing is passed to third parties. You can erase this chat's data at any time with "
        "/forget."
    ),
    "consent_refused": (
        "All right: without your consent I do not link an account or take readings.\n"
        "Without it you can still use help (/help), the offices and their hours (/offices), "
        "contacts (/contacts) and frequent questions (/faq).\n"
        "If you change your mind, press “I agree” or type “yes”, now or later."
    ),
    "consent_needed": (
        "First I need your consent to the processing of personal data: tap “I agree” or "
        "type “yes”."
    ),
    "consent_given": "Thank you! Consent received.",
    "menu_prompt": "What would you like to do?",
    "not_understood": "I did not quite understand. Choose an action below or type /help.",
    "edited": (
        "I do not read edited messages again. Please send the correct value as a new message."
    ),
    "oops": "Something went wrong and I could not do that. Please try again in a minute.",
    "btn_consent": "I agree",
    "btn_consent_info": "What do you keep?",
    "btn_submit": "Submit readings",
    "btn_bill": "My bill",
    "btn_history": "History",
    "btn_accounts": "Accounts",
    "btn_reminders": "Reminders",
    "btn_offices": "Offices and contacts",
    "btn_faq": "Questions",
    "btn_menu": "Main menu",
    "btn_cancel": "Cancel",
    # -- help -----------------------------------------------------------------------------------
    "help": (
        "I take electricity meter readings and show the amount due.\n"
        "The menu buttons are the easiest way. For those in a hurry there are commands:\n"
        "/submit 45230 21100 — submit readings (one number per zone)\n"
        "/bind 12345-678-90 0012345 — link an account and meter number\n"
        "/bill — the last bill\n"
        "/history — readings for the year and a consumption chart\n"
        "/accounts — the accounts of this chat\n"
        "/remind on or /remind off — reminders\n"
        "/outages — power outages at your addresses; /outages off — no notices\n"
        "/lang ru or /lang en — language\n"
        "/offices — offices; /offices Butovo — search by district or street\n"
        "/forget — unlink this chat and erase its data\n"
        "Readings are accepted from the {start_day} to the {end_day} of every month."
    ),
    "unknown_command": "There is no command /{name}.",
    # -- language ----------------------------------------------------------------------------
    "lang_set": "I will write in English.",
    "lang_usage": "Type /lang ru or /lang en.",
    # -- binding ----------------------------------------------------------------------------------
    "bind_ask_account": (
        "Enter your account number: 10 digits from the bill, for example 12345-678-90.\n"
        "Or press “{share}”: if your phone number is in the contract, I will find the account."
    ),
    "bind_bad_account": (
        "An account number has 10 digits, for example 12345-678-90. Please check your bill and "
        "enter it again. I will ask for the meter number next — or send both numbers in one "
        "message: 12345-678-90 0012345."
    ),
    "bind_ask_serial": "Now the meter number, as printed on the meter or on the bill.",
    "bind_bad_serial": (
        "A meter number has 4 to 20 digits or Latin letters, as on the meter's plate. "
        "Please enter it again."
    ),
    "bind_wrong_pair": (
        "No account was found with this meter number. Please check both numbers on your bill.\n"
        "Tries left: {tries_left}."
    ),
    "bind_locked": (
        "Too many failed tries. Please try again after {until} (Moscow time) or call the "
        "contact centre: {phones}."
    ),
    "bind_done": "Done: account {account}{address} is now linked to this chat.\nMeter: {kind}.",
    "bind_already": "Account {account} is already linked to this chat.",
    "bind_usage": "Type it like this: /bind 12345-678-90 0012345 (account and meter number).",
    "bind_by_phone": "Found your account {account} by your phone number.",
    "bind_phone_unknown": (
        "This phone number is not on any account. Please enter the account number from your "
        "bill (10 digits)."
    ),
    "bind_phone_not_own": (
        "An account can be found only by your own phone number. Press “{share}” or enter "
        "the account number."
    ),
    "bind_phone_ask_serial": (
        "To make sure the number is yours, send the meter serial of the account this phone is "
        "on file for, as printed on the meter or the bill."
    ),
    "bind_phone_wrong_serial": (
        "This meter serial does not confirm the phone number. Type the account number from "
        "your bill or try again.\nTries left: {tries_left}."
    ),
    "bind_phone_bad": "I could not read that phone number. Please enter the account number.",
    "bind_pair_again": (
        "I need the whole pair again. Now the account number, please — 10 digits from the bill; "
        "I will ask for the meter number next (or send both in one message: "
        "12345-678-90 0012345)."
    ),
    "btn_share_phone": "Share my number",
    "btn_retry": "Enter again",
    "btn_bind": "Link an account",
    "kind_1": "single-rate",
    "kind_2": "two-zone (day/night)",
    "kind_3": "three-zone (T1 peak, T2 night, T3 half-peak)",
    "alias_first": "home",
    "alias_nth": "account {n}",
    "need_account": "First link your account — it takes a minute.",
    # -- accounts -------------------------------------------------------------------------------
    "accounts_list": "Accounts of this chat:\n{lines}\nThe current one is marked ✓. Choose one:",
    "accounts_line": "{mark} “{alias}” — {account}{address}",
    "accounts_none": "No account is linked to this chat yet.",
    "account_card": "“{alias}” — account {account}{address}.\nMeter No. {serial}, {kind}.",
    "account_current": "The current account is now “{alias}” ({account}).",
    "account_ask_alias": "What should I call this account? For example: cottage, mum, office.",
    "account_bad_alias": "A name has 1 to 32 characters. Please type it again.",
    "account_renamed": "Done: account {account} is now called “{alias}”.",
    "account_unbind_ask": "Unlink “{alias}” ({account}) from this chat?",
    "account_unbound": "“{alias}” is unlinked from this chat.",
    "account_unknown": "This account is not linked to this chat.",
    "btn_make_current": "Make current",
    "btn_rename": "Rename",
    "btn_unbind": "Unlink",
    "btn_unbind_yes": "Yes, unlink",
    "btn_unbind_no": "No, keep it",
    "account_name_new": (
        "What shall I call this account, to tell it from the others? Press “{alias}” or type a "
        "name of your own, for example cottage or mum."
    ),
    "account_alias_taken": (
        "Another account of this chat is already called “{alias}”. Please type another name, "
        "for example “{suggestion}”."
    ),
    "account_kept": "All right, “{alias}” stays linked to this chat.",
    "accounts_which_submit": "Which account are the readings for?",
    "accounts_which_bill": "Which account's bill shall I show?",
    "btn_add_account": "Link another account",
    # -- submission -------------------------------------------------------------------------------
    "submit_open": (
        "Readings are accepted until {closes_on} inclusive — {days_left} left.\n"
        "Account “{alias}” ({account})."
    ),
    "submit_already": (
        "Readings for {period} were already submitted: {values}. New ones will replace them."
    ),
    "submit_prompt": "{register}. Last reading: {last}. Type the number or tap it digit by digit.",
    "submit_prompt_first": "{register}. Type the number or tap it digit by digit.",
    "keypad": "{register}: {display}\nTap one digit at a time; ⌫ erases the last one.",
    "keypad_full": "All {digits} digits are in. Press “Done” or ⌫.",
    "keypad_empty": "Nothing typed yet. Tap the digits, then “Done”.",
    "btn_keypad": "Digit by digit",
    "btn_done": "Done",
    "btn_erase": "⌫",
    "preview": "Please check the readings for {period}:\n{lines}\n{total}",
    "preview_line": "  {register}  {value} → {kwh} × {rate} = {amount}",
    "preview_line_first": "  {register}  {value}",
    "preview_total": "  Total due: {total} by {due}",
    "preview_recalc_line": "  {register}, recalculation: {kwh} × {rate} = {amount}",
    "preview_recalc_note": (
        "Recalculation: all consumption since the last readings is billed, and what the "
        "estimates billed for the months without readings is taken off."
    ),
    "preview_no_previous": (
        "These are the meter's first readings: the amount is computed from next month."
    ),
    "preview_provisional": "The tariff is provisional: the amount may change slightly.",
    "btn_confirm": "All correct, submit",
    "btn_fix": "Change",
    "accepted_credit": (
        "Readings accepted on {date} at {time}. Bill for {period}: nothing to pay; the "
        "overpayment of {credit} will be credited to your next bills.\n"
        "You can correct them until {closes_on}."
    ),
    "accepted": (
        "Readings accepted on {date} at {time}. Bill for {period}: {total}, due by {due}.\n"
        "You can correct them until {closes_on}."
    ),
    "accepted_no_bill": (
        "Readings accepted on {date} at {time}.\nYou can correct them until {closes_on}."
    ),
    "accepted_replaced": "The earlier readings for {period} were replaced by these.",
    "press_a_button": "Please press a button below, or type the readings again.",
    "submit_cancelled": "All right, nothing is submitted.",
    "submit_fix": "Let us enter them again.",
    "submit_already_accepted": (
        "These readings have already been accepted: the confirmation is in the message above. "
        "To correct them, submit the readings again."
    ),
    "submit_expired": "These readings are out of date. Let us start again.",
    "submit_usage": "Type the readings after the command: /submit 45230 (one number per zone).",
    "rollover_ask": (
        "{register} is lower than last time ({last}): the meter seems to have passed through "
        "zero. Then the consumption is {kwh}. Is that so?"
    ),
    "implausible_ask": (
        "{register}: consumption {kwh} is {times} the usual (about {usual}). Is it correct?"
    ),
    "implausible_ask_months": (
        "{register}: consumption {kwh} over {months} months is {times} the usual "
        "(about {usual} a month). Is it correct?"
    ),
    "implausible_cap_ask": (
        "That is {kwh} a month: unusually much for a home (usually no more than {cap}). "
        "Is it correct?"
    ),
    "btn_rollover": "The meter rolled over",
    "btn_yes_correct": "Yes, correct",
    "btn_remind_on_date": "Remind me on {date}",
    "btn_nearest_offices": "Nearest offices",
    # -- refusals from billing_core ---------------------------------------------------------------
    "rej_empty": "Please type the reading in digits, for example 45230.",
    "rej_not_a_number": "A reading is a number, for example 45230. Please type it in digits.",
    "rej_not_digits": "A reading has digits only, for example 45230: no letters or signs.",
    "rej_decimals_not_allowed": (
        "Please type the whole part only, without the digits after the comma (usually red)."
    ),
    "rej_too_many_decimals": "At most {allowed} digits are allowed after the comma.",
    "rej_too_many_digits": (
        "Your meter has {allowed} digits before the comma, and {given} were typed. Please type "
        "the whole part only."
    ),
    "rej_wrong_register_count": (
        "The count of readings does not match your meter: it takes {expected} (one per zone), "
        "you typed {given}. Type one number per zone, for example /submit {example}."
    ),
    "rej_lower_than_last": (
        "{register} is lower than the last reading ({last}). Please check the digits: day and "
        "night may be swapped. Enter {register} again."
    ),
    "rej_lower_than_last_zones": (
        "{register} is lower than the last reading ({last}). Please check the digits: the zones "
        "may be in the wrong order. Enter {register} again."
    ),
    "rej_lower_than_last_single": (
        "The reading is lower than last time ({last}). Please check the digits and enter it again."
    ),
    "rej_meter_automatic": (
        "Your meter sends its readings by itself: there is nothing to submit. You can see the "
        "bill under “My bill”."
    ),
    "rej_meter_inactive": (
        "The meter of this account is out of service, so readings cannot be taken online. "
        "Please call {phones} and we will tell you what to do."
    ),
    "rej_account_closed": (
        "Account {account} is closed: readings are not accepted. If this is a mistake, please "
        "call {phones}."
    ),
    "rej_too_many_missed": (
        "No readings were submitted for {months}, so they cannot be taken online. Please call "
        "{phones}, or visit an office."
    ),
    "rej_window_closed": (
        "Readings are not accepted now: they are taken from the {start_day} to the "
        "{end_day}. The next window opens on {opens_on}."
    ),
    "rej_no_tariff": (
        "I could not compute the amount: no tariff was found for your meter. You can submit "
        "the readings by phone: {phone}."
    ),
    "months_1": "more than a month",
    "months_2": "more than two months",
    "months_n": "more than {n} months",
    "days_1": "{n} day",
    "days_2": "{n} days",
    "days_5": "{n} days",
    # -- zones ----------------------------------------------------------------------------------
    "zone_1_t1": "Meter reading (T1)",
    "zone_2_t1": "T1 (day, 07:00–23:00)",
    "zone_2_t2": "T2 (night, 23:00–07:00)",
    "zone_3_t1": "T1 (peak, 07:00–10:00 and 17:00–21:00)",
    "zone_3_t2": "T2 (night, 23:00–07:00)",
    "zone_3_t3": "T3 (half-peak, 10:00–17:00 and 21:00–23:00)",
    "short_1_t1": "T1",
    "short_2_t1": "T1 day",
    "short_2_t2": "T2 night",
    "short_3_t1": "T1 peak",
    "short_3_t2": "T2 night",
    "short_3_t3": "T3 half-peak",
    # -- bill and history -------------------------------------------------------------------------
    "bill_none": (
        "There are no bills for account {account} yet. Submit readings and one appears at once."
    ),
    "bill_head_actual": "Bill for {period} from your readings ({account}):",
    "bill_head_average": (
        "Bill for {period} computed on the average consumption: no readings came for this "
        "month ({account}):"
    ),
    "bill_head_normative": (
        "Bill for {period} computed on the normative: no readings came and the average does "
        "not apply ({account}):"
    ),
    "bill_head_normative_after_average": (
        "Bill for {period} computed on the normative: no readings for more than {max_months} "
        "months in a row, longer than the average may be used ({account}):"
    ),
    "bill_head_normative_no_average": (
        "Bill for {period} computed on the normative: no readings came, and there are too few "
        "yet for an average ({account}):"
    ),
    "bill_head_recalculation": (
        "Bill for {period} with a recalculation ({account}). The readings came after months "
        "billed on an estimate: all consumption since the last readings is billed, and what "
        "the estimates billed is taken off."
    ),
    "bill_line": "  {label}: {kwh} × {rate} = {amount}",
    "bill_line_estimated": "  {label}: ≈ {kwh} × {rate} = {amount}",
    "bill_line_other": "  {label}: {amount}",
    "bill_total": "Total due: {total} by {due}.",
    "bill_total_nothing": "To pay: 0 ₽.",
    "bill_credit": "The overpayment of {credit} will be credited to your next bills.",
    "bill_credit_held": (
        "The overpayment of {credit} will be credited to your next bill on actual readings."
    ),
    "money_head": "Account {account}:",
    "money_not_billed": "The bill for {period} has not been issued yet.",
    "money_debt": "Debt as of {day}: {amount} (from the billing system).",
    "money_overpaid": "Overpayment as of {day}: {amount} (from the billing system).",
    "money_settled": "Nothing owed as of {day} (from the billing system).",
    "money_last_payment": "Last payment: {amount} on {day}.",
    "money_penalty": (
        "The debt has been unpaid for more than 30 days after it was due ({due}): the penalty "
        "as of {today} is about {amount} (Housing Code art. 155 p. 14; rate {rate} %). This is "
        "an estimate: the supplier's bill will show the exact sum."
    ),
    "pay_qr_caption": (
        'QR code to pay {amount} for {period}: scan it in your bank\'s app ("Pay by QR"). '
        "The payee is {payee}; check the sum and the details before you pay."
    ),
    "btn_pay_online": "Pay online",
    "bill_estimated_note": (
        "When you submit readings, the amount will be recalculated on the actual consumption."
    ),
    "label_normative": "Normative",
    "label_odn": "Common-house needs",
    "label_penalty": "Late-payment penalty",
    "label_balance": "Debt / overpayment",
    "label_credit_used": "Overpayment from earlier bills",
    "label_recalculation": "recalculation",
    "history_head": "Readings of “{alias}” ({account}), recent months:",
    "history_line": "  {period}: {values}{kwh}",
    "history_kwh": " — {kwh}",
    "history_kwh_months": " — {kwh} over {months} months",
    "history_average": " (average)",
    "history_normative": " (normative)",
    "history_recalculation": "; recalculation {kwh}",
    "history_none": "There are no readings for account {account} yet.",
    "chart_caption": "Consumption by month, kWh",
    "chart_caption_legend": (
        "Consumption by month, kWh. Blue: on readings; grey: estimated (average or "
        "normative); orange: a recalculation, charged (up) or taken off (down)."
    ),
    # -- reminders -------------------------------------------------------------------------------
    "remind_status_on": (
        "Reminders are on: I remind you when the window opens and the day before it closes."
    ),
    "remind_status_off": "Reminders are off.",
    "remind_on": "All right, I will remind you when the window opens.",
    "remind_on_date": "All right, I will remind you on {date}, when the window opens.",
    "remind_off": "All right, no more reminders. To turn them on again: /remind on.",
    "remind_usage": "Type /remind on or /remind off.",
    "btn_remind_on": "Turn reminders on",
    "btn_remind_off": "Don't remind me",
    "reminder_opening": (
        "Readings for {period} are now accepted, until {closes_on}. Account “{alias}” ({account})."
    ),
    "reminder_last_call": (
        "Tomorrow ({closes_on}) is the last day for readings. Without them the bill is computed "
        "on the average consumption. Account “{alias}” ({account})."
    ),
    "reminder_last_day": (
        "Today is the last day for readings. Without them the bill is computed on the average "
        "consumption. Account “{alias}” ({account})."
    ),
    # -- offices and contacts ---------------------------------------------------------------------
    "contacts": "Contact centre: {phones}.\nPersonal account: {website}",
    "offices_ask": (
        "Type a district, an okrug, an office name or a street, for example Maryino, ЮАО or "
        "Smolnaya. Branches:"
    ),
    "offices_ask_more": "Near your address. For other offices, type a district or a street.",
    "offices_found": "Offices found: {count}.",
    "offices_none": (
        "No office matches “{query}”. Try a shorter district or street name, for example “Тушино”."
    ),
    "office_line": "• {name}: {address}; {opening}{phone}",
    "btn_contacts": "Contacts and hours",
    "btn_search_again": "Search again",
    "phones": "{phone_operators} (operators, {hours}) or {phone} (voice menu, round the clock)",
    "office_phone": "; tel. {phone}",
    "office_hours_unknown": "please check the hours by phone",
    "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
    "offices_district": "{districts} ({okrug}):",
    "offices_okrug": "Offices — {okrugs}:",
    "offices_guess": "No place of exactly that name; the closest is “{guess}”.",
    "offices_footer": "Before a visit, the hours can be checked by phone: {phones}.",
    # -- FAQ --------------------------------------------------------------------------------------
    "faq_intro": "Frequent questions:",
    "faq_q_estimate": "If I do not submit",
    "faq_a_estimate": (
        "Without readings the bill is computed on your average consumption, for at most "
        "{estimate_periods} months in a row, then on the normative. When you submit readings, "
        "the amount is recalculated on the actual consumption and any overpayment is credited "
        "to the following bills."
    ),
    "faq_q_odn": "Common-house needs (ОДН)",
    "faq_a_odn": (
        "Common-house needs (ОДН on a bill) are stairway lights, lifts and the like. They are "
        "shared between flats in proportion to their area. In buildings run by a management "
        "company or an owners' association they are part of the maintenance fee, not of our "
        "bill. Neighbours' debts do not change your share."
    ),
    "faq_q_pay": "When to pay",
    "faq_a_pay": (
        "The bill is issued by the 1st and must be paid by the {due_day}th of the following "
        "month. A payment takes 3–5 business days to arrive; one made after the bill was "
        "issued counts in the next bill."
    ),
    "faq_q_penalty": "Late-payment penalties",
    "faq_a_penalty": (
        "For the first 30 days after the due date there is no penalty. From day 31 to day 90 it "
        "is 1/300 of the {rate} % rate per day on the debt, from day 91 on 1/130. For example, "
        "a 1,000 ₽ debt 100 days late costs about 26 ₽. There is no fine for not submitting "
        "readings."
    ),
    "faq_q_window": "When to submit",
    "faq_a_window": (
        "From the {start_day} to the {end_day} of every month inclusive. You can correct "
        "readings while the window is open: the latest ones count."
    ),
    # -- forget -------------------------------------------------------------------------------
    "forget_ask": (
        "Unlink every account from this chat and erase its data (settings, consent)? Readings "
        "already submitted stay with the supplier."
    ),
    "forget_done": "Done: this chat's data is erased. To start again, type /start.",
    "forget_kept": "All right, nothing is erased.",
    "forget_by_button": (
        "I erase only when you press “Yes, erase”: the data cannot be brought back. If you "
        "have changed your mind, press “No, keep it”."
    ),
    "btn_forget_yes": "Yes, erase",
    "btn_forget_no": "No, keep it",
    # -- outages ----------------------------------------------------------------------------------
    "btn_outages": "Outages",
    "btn_outages_off": "Stop outage notices",
    "btn_outages_on": "Send outage notices",
    "outage_when_same_day": "{day}, {start} to {end}",
    "outage_when_days": "from {start_day}, {start} to {end_day}, {end}",
    "outage_reason": "Reason: {reason}.",
    "outage_announce_planned": "Planned power outage: {when}.\nAddress: {place}.",
    "outage_announce_emergency": (
        "Emergency power outage: {when}. The end time is an estimate.\nAddress: {place}."
    ),
    "outage_reminder": (
        "Reminder: a planned power outage is coming soon, {when}.\nAddress: {place}."
    ),
    "outage_change": "The power outage has a new time: {when}.\nAddress: {place}.",
    "outage_cancel": (
        "The power outage {when} is cancelled: the power stays on.\nAddress: {place}."
    ),
    "outage_kind_planned": "Planned outage",
    "outage_kind_emergency": "Emergency outage",
    "outage_item": "• {kind} {when}: “{alias}”, {place}.",
    "outage_item_now": "• Now: {kind} {when}: “{alias}”, {place}.",
    "outages_title": "Power outages at your addresses:",
    "outages_none": "No power outages at your addresses now, and none planned.",
    "outages_no_accounts": (
        "Link an account, and I will show the outages at your address and tell you of new ones."
    ),
    "outages_notices_on": "I tell you of outages at once, and of planned ones the day before.",
    "outages_notices_off": "Outage notices are off.",
    "outages_turned_off": (
        "All right, no more outage notices. Reading reminders stay as they are. To turn them "
        "on again: /outages on."
    ),
    "outages_turned_on": "All right, I will tell you of power outages at your addresses.",
    "outages_usage": "Type /outages, /outages on or /outages off.",
    # -- readings as written, cancelling, the monthly cap ---------------------------------------
    "code_t1": "T1",
    "code_t2": "T2",
    "code_t3": "T3",
    "submit_example": "For example: {example}",
    "rej_not_a_zone": (
        "I did not understand the zone “{zone}”: your meter's zones are {zones}, each once."
    ),
    "consumption_word": "Consumption",
    "rej_above_cap": (
        "{what}: {kwh} a month is more than any flat or house uses (at most {cap}), so the "
        "digits are most likely wrong. Please check the reading and type it again. If it is "
        "right, call {phones}."
    ),
    "cancelled": "All right, cancelled.",
    "nothing_to_cancel": "There is nothing to cancel. What would you like to do?",
    "thanks_reply": "You are welcome! Anything else?",
    "farewell": "Goodbye! Write whenever you need me.",
    "declined": "All right. Anything else?",
    "unanswered": (
        "I cannot answer that myself. One of the frequent questions below may help, or call "
        "{phones}."
    ),
    "rej_not_a_zone_single": (
        "I did not understand “{zone}”: your meter has one rate, so type one number."
    ),
    # -- counts, corrections, the keypad ---------------------------------------------------------
    "times_1": "{n} time",
    "times_2": "{n} times",
    "times_5": "{n} times",
    "times_fraction": "{n} times",
    "digits_1": "{n} digit",
    "digits_2": "{n} digits",
    "digits_5": "{n} digits",
    "keypad_full_count": "All {digits} are in. Press “Done” or ⌫.",
    "keypad_last": "Last reading: {last}.",
    "help_window_own": "For account {account}: from the {start_day} to the {end_day}.",
    "accepted_same": (
        "The readings for {period} are the same as those sent before: nothing changed."
    ),
    "fix_which": "Which reading should be corrected?",
    "btn_fix_zone": "{zone}: {value}",
    "btn_fix_all": "All again",
}
