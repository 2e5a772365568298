# The clinic console (en): words.
# Codes shown as labels (api/src/console/labels.rs) and the audit log's page.

channel_fcm = Push notification (Android)
channel_apns = Push notification (iPhone)
channel_webpush = Web notification (browser)
channel_sms = Text message (SMS)
channel_email = Email
channel_log = Not sent (no delivery set up)

failure_device_gone = The patient's phone no longer accepts notifications from the app
failure_no_channel = No way to reach the patient: no phone set up for notifications and email is off
failure_service_setup = The notification service refused the clinic's set-up (ask your administrator)
failure_unreachable = The notification service could not be reached; it will be tried again
failure_gave_up = Not delivered after several tries
failure_refused = The notification service refused the message
failure_other = The message could not be delivered
cancelled_discharged = Not sent: the patient was discharged
cancelled_erased = Not sent: the patient's data was erased
cancelled_inactive = Not sent: the patient has not activated their account
cancelled_missing = Not sent: the patient's account no longer exists
cancelled_channels_off = Not sent: the patient turned notifications and email off

kind_aftercare = Aftercare advice
kind_check_in = Check-in request
kind_warning_signs = Warning signs to watch for
kind_session_reminder = Session reminder
kind_rebook = Time to book the next session
kind_results = What to expect from the results
kind_maintenance = Maintenance session reminder

prompt_scheduled = Scheduled
prompt_sending = Being sent
prompt_sent = Sent
prompt_acknowledged = Acknowledged by the patient
prompt_cancelled = Cancelled
prompt_failed = Not delivered

role_patient = Patient

platform_ios = iPhone
platform_android = Android
platform_web = Web browser

lang_en = English
lang_es = Spanish

area_face = Face
area_neck = Neck
area_chest = Chest
area_hands = Hands
area_back = Back
area_legs = Legs
area_scalp = Scalp
device_pen = Microneedling pen
device_roller = Roller
device_stamp = Stamp
combined_prp = PRP (platelet-rich plasma)
ci_active_acne = Active acne
ci_isotretinoin = Isotretinoin treatment
ci_active_infection = Active skin infection
ci_open_wound = Open wound
ci_sunburn = Sunburn
ci_rash_or_inflammation = Rash or inflammation
ci_blood_thinners_or_clotting_disorder = Blood thinners or a clotting disorder
ci_chemo_or_radiation = Chemotherapy or radiotherapy
ci_cold_sores = Cold sores
ci_keloid_tendency = Tendency to keloid scars
ci_changing_moles = Changing moles
ci_eczema = Eczema
ci_psoriasis = Psoriasis
ci_rosacea = Rosacea
ci_poor_healing = Poor wound healing
ci_solar_keratosis = Solar keratosis
ci_pregnancy = Pregnancy

audit_patient_read = Viewed the patient record
audit_patient_list = Viewed the patient list
audit_patient_enrol = Enrolled the patient
audit_patient_discharge = Discharged the patient
audit_patient_export = The patient downloaded a copy of their data
audit_patient_erase = The patient's personal data was erased at their request
audit_treatment_create = Recorded a treatment
audit_treatment_warned = Recorded a treatment despite the course check's warnings
audit_booking_set = Booked the next session
audit_booking_cancel = Cancelled the next session
audit_escalation_list = Viewed the alert queue
audit_escalation_resolve = Resolved an alert
audit_staff_invite = Invited a staff member
audit_staff_deactivate = Deactivated a staff member
audit_check_in_create = The patient sent a check-in
audit_invitation_undone = Took back an invitation that could not be delivered
audit_invitation_resend = Sent an invitation again
audit_patient_email_update = Corrected the patient's email
audit_patient_phone_update = Corrected the patient's phone
audit_patient_given_name_update = Corrected the patient's given name
audit_patient_family_name_update = Corrected the patient's family name
audit_sms_consent_grant = Recorded consent to text messages
audit_sms_consent_withdraw = Withdrew consent to text messages
audit_protocol_create = Made a draft of the clinic's protocol
audit_protocol_update = Edited a draft of the clinic's protocol
audit_protocol_publish = Published a version of the clinic's protocol
audit_protocol_replan = Moved the patient to the newly published protocol
audit_screening_create = Answered the questions before a session

audit_patient = Patient
audit_system = The system
audit_find_patient = Find a patient
audit_find_hint = Name, email or phone
audit_find = Find
audit_matches = Patients matching your search
audit_show_patient = Show their entries
audit_no_match = No patient of the clinic matches.
audit_showing = Showing the entries about { $name }.
audit_everyone = Show every patient's entries
audit_shown_patients = { $count ->
    [one] 1 patient
   *[other] { $count } patients
}
audit_shown_with = { $name } (with { $others ->
    [one] 1 other
   *[other] { $others } others
})

devices_title = Phones
device_platform = Phone
device_service = Notifications through
device_app_version = App version
device_registered = Registered
device_state = Notifications
device_live = Receiving notifications
device_off = No longer receiving notifications
