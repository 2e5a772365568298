# The patient web app (/app/): every text a patient reads there.

## Layout
app_name = Aftercare
skip_to_content = Skip to content
call_clinic = Call your clinic
main_nav = Main
nav_today = Today
nav_timeline = Timeline
nav_check_in = Check-in
nav_next_session = Next session
nav_settings = Settings
sign_out = Sign out

## Signing in
sign_in_title = Sign in
sign_in_intro = Sign in to see your aftercare, day by day.
email = Email
password = Password
sign_in = Sign in
sign_in_failed = That email and password did not match. Please check them and try again.
sign_in_locked = Too many attempts. Please wait a few minutes and try again.
sign_in_staff = This account belongs to clinic staff. Please sign in to the clinic console instead.
open_console = Open the clinic console
email_code_instead = Email me a code instead
first_visit_hint = First time here? Open the link in the invitation your clinic sent you.
code_title = Sign in with a code
code_intro = Enter the email address or mobile number your clinic has for you. We will email you a 6-digit code.
email_or_phone = Email or mobile number
email_or_phone_hint = For example ana@example.com or +34 600 111 222.
send_code = Email me a code
code_missing = Enter your email address or your mobile number, with its country code.
code_sent = If an account exists, we sent a code. Check your email: the code works once, for 15 minutes.
code_redeem_title = Enter your code
code_redeem_intro = Type the 6-digit code from the email we sent you.
code_label = 6-digit code
code_hint = Only the digits; the code works once, for 15 minutes.
code_wrong = That code is wrong, already used or expired. Check it, or ask for a new one.
send_new_code = Send me a new code
use_password = Sign in with a password instead

## Invitation
invitation_title = Welcome
invitation_intro = Choose a password to finish setting up your aftercare. You will use it with your email to sign in.
new_password = New password
password_hint = At least 10 characters. A short sentence is easy to remember and hard to guess.
activate = Set password and continue
invitation_bad_title = This link cannot be used
invitation_bad = This invitation link is not valid: it may be mistyped, already used or expired. If you have already set a password, sign in. Otherwise ask your clinic for a new invitation.
invitation_staff = This invitation is for clinic staff. Please open it in the clinic console.

## Signed out
signed_out_title = You are signed out
signed_out_body = The app has removed its copies of your pages from this browser and stopped its notifications here.
sign_in_again = Sign in again

## Today
today_title = Today
hello = Hello, { $name }
today_nothing = Nothing new from your clinic right now.
got_it = Got it
seen = Seen
check_in_prompt = How is your skin today? Tell your clinic in a minute.
check_in_start = Start a check-in
see_timeline = See your whole timeline
next_on = Your next session: { $when }

## Timeline
timeline_title = Your timeline
timeline_empty = Your aftercare plan will appear here once your clinic records your treatment.
status_new = New
status_seen = Seen
status_coming = Coming up
status_cancelled = No longer needed
day_label = Day { $day }
back_to_timeline = Back to your timeline
prompt_not_yet = This message is planned for { $when }.

## Check-in
check_in_title = How is your skin?
check_in_intro = Your answers go to your clinic. You will see straight away what to do next.
redness = Redness
swelling = Swelling
pain = Pain or soreness
scale_low = 0 = none
scale_high = 10 = the worst you can imagine
peeling = Is your skin peeling or flaking?
yes = Yes
no = No
symptoms_legend = Have you noticed any of these?
symptoms_hint = Tick every one that applies, or none.
symptom_pus = Yellow or green fluid (pus), or oozing that gets worse
symptom_fever = A fever, or feeling hot and unwell
symptom_spreading_redness = Redness that is spreading or getting worse
symptom_blisters = Blisters
symptom_cold_sore = A cold sore
symptom_severe_pain = Pain that is severe or getting worse
send_check_in = Send to my clinic
check_in_missing = Please answer every question.
check_in_no_treatment = Your clinic has not recorded a treatment yet, so there is nothing to check in about.

## Check-in result
result_title = What to do next
result_urgent = Your clinic has been told.
result_urgent_call = Call your clinic now
result_routine = Your clinic has been told and will look at your answers.
result_none = This looks like normal healing.
back_today = Back to today

## Next session
next_title = Your next session
next_none = No next session is booked yet. Your clinic will let you know.
add_to_calendar = Add to calendar

## Settings
settings_title = Settings
settings_preferences = Reminders and language
settings_devices = My devices
settings_notifications = Notifications in this browser
settings_account = My data and account
settings_texts = Text messages

## Notifications in this browser
notifications_title = Notifications
notifications_intro = Your clinic's care reminders can appear on this phone or computer as notifications, even when the app is closed: when to moisturise, sun protection, and the signs that mean you should call the clinic.
notifications_lock_screen = Unless you choose otherwise, a notification shows only "{ $neutral_body }", nothing about your treatment or your skin.
notifications_preview_link = Choose what a locked screen shows
notifications_asked = Your browser asks for your permission only after you press the button.
notifications_turn_on = Turn on notifications
notifications_turn_off = Turn off notifications
notifications_on = Notifications are on in this browser.
notifications_off = Notifications are off in this browser. Your reminders are always here in the app, on Today and in the timeline.
notifications_working = One moment…
notifications_dismissed = Notifications were not allowed. Press the button again when you are ready.
notifications_denied = Notifications are blocked for this site. To turn them on, allow notifications for this site in your browser's settings, then come back to this page.
notifications_unsupported = This browser cannot show notifications from the app. On an iPhone or iPad, first add the app to your home screen (Share, then "Add to Home Screen") and open it from there.
notifications_failed = Notifications could not be turned on. Check your connection and try again.
notifications_unavailable = Your clinic's service does not send browser notifications at the moment. Your reminders are always here in the app, on Today and in the timeline.
notifications_no_script = Turning on notifications needs JavaScript, which is off in this browser.

## Preferences
prefs_title = Reminders and language
quiet_hours = Quiet hours
quiet_hours_hint = No reminders arrive between these times; they wait until the end.
quiet_start = From
quiet_end = Until
quiet_off = No quiet hours
channels = How reminders reach you
channel_push = Notifications on my phone or in this browser
channel_email = Email
channel_sms = Text messages (when I have agreed to them)
preview_legend = What a locked screen shows
preview_private = Only "{ $neutral_body }"
preview_full = The whole message
language = Language
time_zone = Time zone
time_zone_hint = For example Europe/Madrid or America/New_York. Reminders follow your local time.
save = Save
saved = Saved.
fix_below = Please correct the fields marked below.

## Text messages
texts_title = Text messages
texts_intro = If a reminder that matters does not reach you as a notification, your clinic can send a short text with a link to this app. A text never says anything about your treatment or your skin.
texts_phone = Mobile number
texts_no_phone = Your clinic has no mobile number for you. Ask your clinic to add your mobile number, then come back here.
texts_phone_fix = Is this number wrong? Ask your clinic to correct it.
texts_wording_title = What you agree to
texts_wording = I agree to receive text messages from { $clinic } about my aftercare: reminders and links to this app. Message frequency varies. Message and data rates may apply. Reply STOP to stop, HELP for help.
texts_version = Wording version { $version }
texts_on = Texts are on. You agreed on { $when }.
texts_off = Texts are off.
texts_off_since = Texts are off since { $when }.
texts_stopped = Texts are off: you replied STOP on { $when }.
texts_start_hint = After a STOP, your phone company also blocks our texts: to get them again, turn texts on here and reply START to one of our texts.
texts_turn_on = I agree: turn on texts
texts_turn_off = Turn off texts
texts_turned_on = Texts are on.
texts_turned_off = Texts are off. Nothing more will be sent to you by text.
texts_need_phone = Your clinic needs your mobile number first.
sent_by = Sent by { $channels }
via_push = notification
via_sms = text
via_email = email

## Devices
devices_title = My devices
devices_intro = The phones and browsers that get your reminders.
devices_none = No device gets notifications yet.
device_web = Browser
device_ios = iPhone
device_android = Android phone
device_added = Added { $when }
remove = Remove

## Account
account_title = My data and account
export_title = Download my data
export_body = A file with everything your clinic's aftercare service holds about you.
export_button = Download my data
erase_title = Erase my account
erase_body = Your personal details, check-ins and devices are deleted and your reminders stop. This cannot be undone.
erase_button = Erase my account…
erase_confirm_title = Erase your account?
erase_confirm_body = Everything about you is deleted and you are signed out. Your clinic keeps only what the law asks it to keep. This cannot be undone.
erase_confirm_button = Yes, erase my account
cancel = Cancel
erased_title = Your account is erased
erased_body = Your data has been deleted. Thank you for looking after your skin with us.

## Offline
offline_title = You are offline
offline_body = This page needs a connection. Your timeline, as last seen, is still here.

## Errors
error_title = Something went wrong
not_found = That page is not here, or it is not yours.
csrf_failed = This form has expired. Please go back, reload the page and try again.
bad_request = That request could not be understood.
forbidden = You cannot open this page.
too_many = Too many attempts. Please wait a few minutes and try again.
unavailable = The service is busy. Please try again in a moment.
internal = Something went wrong on our side. Please try again.
conflict = That could not be done now.

# Before a booked session: a few questions (pre-visit screening).
screening_title = Before your session
screening_intro = Your session is on { $when }. Tell your clinic if any of these is true for you now, so they can plan your session.
screening_legend = Tick everything that is true for you now
screening_hint = These can mean your skin needs more time before treatment. Your clinic will decide.
sq_cold_sores = I have a cold sore, or one is starting (tingling on the lip)
sq_sunburn = The skin to be treated is sunburnt
sq_active_infection = The skin to be treated looks infected (hot, sore, or with pus)
sq_open_wound = There is a cut, scratch or open sore on the skin to be treated
sq_rash_or_inflammation = There is a rash, or red and irritated skin, on the area to be treated
sq_active_acne = I have red or sore spots (acne) on the area to be treated
sq_isotretinoin = I take, or recently took, isotretinoin tablets for acne (Roaccutane, Accutane)
sq_blood_thinners = I started a medicine that thins the blood (for example warfarin, apixaban or daily aspirin)
sq_pregnancy = I am pregnant, or I might be
screening_none = None of these is true for me
screening_notes = Anything else your clinic should know? (optional)
screening_notes_hint = For example a new medicine, or when a problem started.
screening_send = Send my answers
screening_missing = Tick what is true for you, or "None of these".
screening_both = You ticked "None of these" and something else. Please check your answers.
screening_no_session = No session is booked, so there is nothing to answer yet.
screening_not_yet = These questions open on { $when }, three days before your session.
screening_closed = Your session has started. Tell the staff in person.
screening_too_many = You have already sent your answers many times. To change them now, call your clinic.
screening_answered = You answered on { $when }. You can change your answers until your session.
screening_sent_title = Thank you
screening_flagged = Your clinic will look at your answers before your session.
screening_flagged_call = If you are not sure whether to come, call your clinic
screening_flagged_no_phone = If you are not sure whether to come, contact your clinic.
screening_clear = Nothing to report. See you at your session on { $when }.
screening_you_said = What you told your clinic
screening_your_note = Your note
screening_change = Change my answers
screening_card_title = A few questions before your session
screening_card_body = Your session is on { $when }. Answer a few quick questions so your clinic can plan it.
screening_start = Answer the questions
screening_notes_bad = Please keep your note to 1,000 characters or fewer, as plain text.
