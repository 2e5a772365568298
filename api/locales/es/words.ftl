# The clinic console (es): words.
# Codes shown as labels (api/src/console/labels.rs) and the audit log's page.

channel_fcm = Notificación push (Android)
channel_apns = Notificación push (iPhone)
channel_webpush = Notificación web (navegador)
channel_sms = Mensaje de texto (SMS)
channel_email = Correo electrónico
channel_log = No enviado (sin envío configurado)

failure_device_gone = El teléfono del paciente ya no acepta notificaciones de la aplicación
failure_no_channel = No hay forma de contactar con el paciente: ningún teléfono recibe notificaciones y el correo está desactivado
failure_service_setup = El servicio de notificaciones rechazó la configuración de la clínica (consulte a su administrador)
failure_unreachable = No se pudo contactar con el servicio de notificaciones; se volverá a intentar
failure_gave_up = No se entregó tras varios intentos
failure_refused = El servicio de notificaciones rechazó el mensaje
failure_other = No se pudo entregar el mensaje
cancelled_discharged = No enviado: el paciente recibió el alta
cancelled_erased = No enviado: se borraron los datos del paciente
cancelled_inactive = No enviado: el paciente no ha activado su cuenta
cancelled_missing = No enviado: la cuenta del paciente ya no existe
cancelled_channels_off = No enviado: el paciente desactivó las notificaciones y el correo

kind_aftercare = Consejos de cuidado
kind_check_in = Solicitud de control
kind_warning_signs = Señales de alarma a vigilar
kind_session_reminder = Recordatorio de sesión
kind_rebook = Momento de reservar la próxima sesión
kind_results = Qué esperar de los resultados
kind_maintenance = Recordatorio de sesión de mantenimiento

prompt_scheduled = Programado
prompt_sending = Enviándose
prompt_sent = Enviado
prompt_acknowledged = Confirmado por el paciente
prompt_cancelled = Cancelado
prompt_failed = No entregado

role_patient = Paciente

platform_ios = iPhone
platform_android = Android
platform_web = Navegador web

lang_en = Inglés
lang_es = Español

area_face = Cara
area_neck = Cuello
area_chest = Escote
area_hands = Manos
area_back = Espalda
area_legs = Piernas
area_scalp = Cuero cabelludo
device_pen = Dermapen
device_roller = Dermaroller
device_stamp = Sello de microagujas
combined_prp = PRP (plasma rico en plaquetas)
ci_active_acne = Acné activo
ci_isotretinoin = Tratamiento con isotretinoína
ci_active_infection = Infección cutánea activa
ci_open_wound = Herida abierta
ci_sunburn = Quemadura solar
ci_rash_or_inflammation = Erupción o inflamación
ci_blood_thinners_or_clotting_disorder = Anticoagulantes o trastorno de la coagulación
ci_chemo_or_radiation = Quimioterapia o radioterapia
ci_cold_sores = Herpes labial
ci_keloid_tendency = Tendencia a cicatrices queloides
ci_changing_moles = Lunares que cambian
ci_eczema = Eccema
ci_psoriasis = Psoriasis
ci_rosacea = Rosácea
ci_poor_healing = Mala cicatrización
ci_solar_keratosis = Queratosis solar
ci_pregnancy = Embarazo

audit_patient_read = Consultó la ficha del paciente
audit_patient_list = Consultó la lista de pacientes
audit_patient_enrol = Inscribió al paciente
audit_patient_discharge = Dio el alta al paciente
audit_patient_export = El paciente descargó una copia de sus datos
audit_patient_erase = Se borraron los datos personales del paciente a petición suya
audit_treatment_create = Registró un tratamiento
audit_treatment_warned = Registró un tratamiento pese a los avisos de la comprobación del ciclo
audit_booking_set = Reservó la próxima sesión
audit_booking_cancel = Canceló la próxima sesión
audit_escalation_list = Consultó la cola de alertas
audit_escalation_resolve = Resolvió una alerta
audit_staff_invite = Invitó a un miembro del personal
audit_staff_deactivate = Desactivó a un miembro del personal
audit_check_in_create = El paciente envió un control
audit_invitation_undone = Retiró una invitación que no se pudo entregar
audit_invitation_resend = Volvió a enviar una invitación
audit_patient_email_update = Corrigió el correo electrónico del paciente
audit_patient_phone_update = Corrigió el teléfono del paciente
audit_patient_given_name_update = Corrigió el nombre del paciente
audit_patient_family_name_update = Corrigió los apellidos del paciente
audit_sms_consent_grant = Registró el consentimiento a los mensajes de texto
audit_sms_consent_withdraw = Retiró el consentimiento a los mensajes de texto
audit_protocol_create = Creó un borrador del protocolo de la clínica
audit_protocol_update = Editó un borrador del protocolo de la clínica
audit_protocol_publish = Publicó una versión del protocolo de la clínica
audit_protocol_replan = Pasó al paciente al protocolo recién publicado
audit_screening_create = Respondió a las preguntas antes de una sesión

audit_patient = Paciente
audit_system = El sistema
audit_find_patient = Buscar un paciente
audit_find_hint = Nombre, correo o teléfono
audit_find = Buscar
audit_matches = Pacientes que coinciden con su búsqueda
audit_show_patient = Ver sus entradas
audit_no_match = Ningún paciente de la clínica coincide.
audit_showing = Entradas sobre { $name }.
audit_everyone = Ver las entradas de todos los pacientes
audit_shown_patients = { $count ->
    [one] 1 paciente
   *[other] { $count } pacientes
}
audit_shown_with = { $name } (y { $others ->
    [one] 1 más
   *[other] { $others } más
})

devices_title = Teléfonos
device_platform = Teléfono
device_service = Notificaciones mediante
device_app_version = Versión de la aplicación
device_registered = Registrado
device_state = Notificaciones
device_live = Recibe notificaciones
device_off = Ya no recibe notificaciones
