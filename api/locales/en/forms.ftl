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
