# The clinic console (en): forms.

# The treatment form: whose it is, the course so far, the course check.
treatment_for = Record a treatment for { $name }
course_last = Last treatment: { $date }, session { $session } of { $planned }, every { $weeks } weeks. The form continues that course.
course_first = No treatment recorded yet: this will be the first.
course_warnings_title = Please check before recording
course_warnings_hint = Nothing has been recorded yet. Correct the form and record it, or use “Record anyway” at the bottom to record it as it is.
record_anyway = Record anyway
warn_session_repeated = Session { $session } was already recorded, on { $date }.
warn_session_backwards = Session { $session } comes before the last recorded session ({ $last }).
warn_beyond_planned = Session { $session } goes past the { $planned } sessions planned for this course.
warn_too_soon = Only { $days ->
        [one] { $days } day
       *[other] { $days } days
    } since the last treatment ({ $date }): sessions are usually 3 to 8 weeks apart.
warn_before_last = This date is before the last recorded treatment ({ $date }).

# The next-session booking and discharge, confirmed on the patient's record.
booking_saved = Next session booked. The patient's reminders have been updated.
booking_cancelled = Next session cancelled, with its reminders.
booking_discharged = This patient has been discharged: record a treatment to re-admit them before booking.
discharge_done = Patient discharged. Nothing more will be sent to them.
course_jump_to_confirm = Check the form below, then “Record anyway” at its end

# Email addresses the mailer cannot send to, and permanent mail refusals (field_messages.rs).
field_email_quoted = must not have quotes before the @
field_email_local_chars = may only have unaccented letters, digits and symbols such as . _ - + before the @
field_email_ip = must have a domain name after the @, not an IP address
field_email_domain = must have a valid domain name after the @
field_mail_permanent = the mail server refused for good to send to this address: check it for typos (if it is right, the service's mail settings need checking)
field_mail_address = is not an address the mailer can send to: correct it

# The password rules ($score and $needed: the estimator's 0 to 4 scale), then the estimator's
# (zxcvbn's) warnings and suggestions.
field_password_guessable = is too easy to guess (strength { $score } of 4, at least { $needed } needed)
password_hint_key_rows = Straight rows of keys are easy to guess.
password_hint_key_patterns = Short keyboard patterns are easy to guess.
password_hint_repeats = Repeats like "aaa" are easy to guess.
password_hint_repeated_groups = Repeats like "abcabcabc" are only slightly harder to guess than "abc".
password_hint_top10 = This is a top-10 common password.
password_hint_top100 = This is a top-100 common password.
password_hint_common = This is a very common password.
password_hint_similar_common = This is similar to a commonly used password.
password_hint_sequences = Sequences like abc or 6543 are easy to guess.
password_hint_recent_years = Recent years are easy to guess.
password_hint_one_word = A word by itself is easy to guess.
password_hint_dates = Dates are often easy to guess.
password_hint_names_alone = Names and surnames by themselves are easy to guess.
password_hint_common_names = Common names and surnames are easy to guess.
password_hint_few_words = Use a few words, avoid common phrases.
password_hint_no_symbols_needed = No need for symbols, digits, or uppercase letters.
password_hint_add_word = Add another word or two. Uncommon words are better.
password_hint_capitals = Capitalization doesn't help very much.
password_hint_all_capitals = All-uppercase is almost as easy to guess as all-lowercase.
password_hint_reversed = Reversed words aren't much harder to guess.
password_hint_substitutions = Predictable substitutions like '@' instead of 'a' don't help very much.
password_hint_longer_pattern = Use a longer keyboard pattern with more turns.
password_hint_avoid_repeats = Avoid repeated words and characters.
password_hint_avoid_sequences = Avoid sequences.
password_hint_avoid_recent_years = Avoid recent years.
password_hint_avoid_your_years = Avoid years that are associated with you.
password_hint_avoid_your_dates = Avoid dates and years that are associated with you.
