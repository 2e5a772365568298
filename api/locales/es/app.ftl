# La app web del paciente (/app/): todos los textos que lee un paciente allí.

## Estructura
app_name = Cuidados
skip_to_content = Saltar al contenido
call_clinic = Llamar a tu clínica
main_nav = Principal
nav_today = Hoy
nav_timeline = Calendario
nav_check_in = Control
nav_next_session = Próxima sesión
nav_settings = Ajustes
sign_out = Cerrar sesión

## Inicio de sesión
sign_in_title = Iniciar sesión
sign_in_intro = Inicia sesión para ver tus cuidados, día a día.
email = Correo electrónico
password = Contraseña
sign_in = Iniciar sesión
sign_in_failed = El correo y la contraseña no coinciden. Revísalos y vuelve a intentarlo.
sign_in_locked = Demasiados intentos. Espera unos minutos y vuelve a intentarlo.
sign_in_staff = Esta cuenta es del personal de la clínica. Inicia sesión en la consola de la clínica.
open_console = Abrir la consola de la clínica
email_code_instead = Prefiero recibir un código por correo
first_visit_hint = ¿Es tu primera vez? Abre el enlace de la invitación que te envió tu clínica.
code_title = Iniciar sesión con un código
code_intro = Escribe el correo o el móvil que tiene tu clínica. Te enviaremos por correo un código de 6 cifras.
email_or_phone = Correo o móvil
email_or_phone_hint = Por ejemplo ana@ejemplo.com o +34 600 111 222.
send_code = Enviarme un código
code_missing = Escribe tu correo o tu móvil, con el prefijo del país.
code_sent = Si existe una cuenta, te hemos enviado un código. Mira tu correo: el código sirve una sola vez, durante 15 minutos.
code_redeem_title = Escribe tu código
code_redeem_intro = Escribe el código de 6 cifras del correo que te hemos enviado.
code_label = Código de 6 cifras
code_hint = Solo las cifras; el código sirve una sola vez, durante 15 minutos.
code_wrong = El código no es correcto, ya se ha usado o ha caducado. Revísalo o pide uno nuevo.
send_new_code = Enviarme un código nuevo
use_password = Prefiero iniciar sesión con contraseña

## Invitación
invitation_title = Te damos la bienvenida
invitation_intro = Elige una contraseña para terminar de preparar tus cuidados. La usarás con tu correo para iniciar sesión.
new_password = Contraseña nueva
password_hint = Al menos 10 caracteres. Una frase corta es fácil de recordar y difícil de adivinar.
activate = Guardar contraseña y continuar
invitation_bad_title = Este enlace no se puede usar
invitation_bad = Este enlace de invitación no es válido: puede estar mal copiado, ya usado o caducado. Si ya elegiste una contraseña, inicia sesión. Si no, pide a tu clínica una invitación nueva.
invitation_staff = Esta invitación es para el personal de la clínica. Ábrela en la consola de la clínica.

## Sesión cerrada
signed_out_title = Has cerrado sesión
signed_out_body = La aplicación ha borrado de este navegador sus copias de tus páginas y ha dejado de enviarle notificaciones.
sign_in_again = Volver a iniciar sesión

## Hoy
today_title = Hoy
hello = Hola, { $name }
today_nothing = Ahora mismo no hay nada nuevo de tu clínica.
got_it = Entendido
seen = Visto
check_in_prompt = ¿Cómo está tu piel hoy? Cuéntaselo a tu clínica en un minuto.
check_in_start = Empezar un control
see_timeline = Ver todo tu calendario
next_on = Tu próxima sesión: { $when }

## Calendario
timeline_title = Tu calendario
timeline_empty = Tu plan de cuidados aparecerá aquí cuando tu clínica registre tu tratamiento.
status_new = Nuevo
status_seen = Visto
status_coming = Próximamente
status_cancelled = Ya no hace falta
day_label = Día { $day }
back_to_timeline = Volver a tu calendario
prompt_not_yet = Este mensaje está previsto para el { $when }.

## Control
check_in_title = ¿Cómo está tu piel?
check_in_intro = Tus respuestas llegan a tu clínica. Verás enseguida qué hacer.
redness = Enrojecimiento
swelling = Hinchazón
pain = Dolor o molestia
scale_low = 0 = nada
scale_high = 10 = lo peor que puedas imaginar
peeling = ¿Se te está pelando o descamando la piel?
yes = Sí
no = No
symptoms_legend = ¿Has notado algo de esto?
symptoms_hint = Marca todo lo que corresponda, o nada.
symptom_pus = Líquido amarillo o verde (pus), o supuración que empeora
symptom_fever = Fiebre, o sentirte con calor y mal
symptom_spreading_redness = Enrojecimiento que se extiende o empeora
symptom_blisters = Ampollas
symptom_cold_sore = Un herpes labial (calentura)
symptom_severe_pain = Dolor fuerte o que va a más
send_check_in = Enviar a mi clínica
check_in_missing = Responde a todas las preguntas, por favor.
check_in_no_treatment = Tu clínica aún no ha registrado ningún tratamiento, así que todavía no hay nada que controlar.

## Resultado del control
result_title = Qué hacer ahora
result_urgent = Tu clínica ya está avisada.
result_urgent_call = Llama ahora a tu clínica
result_routine = Tu clínica ya está avisada y revisará tus respuestas.
result_none = Parece una curación normal.
back_today = Volver a hoy

## Próxima sesión
next_title = Tu próxima sesión
next_none = Aún no hay una próxima sesión reservada. Tu clínica te avisará.
add_to_calendar = Añadir al calendario

## Ajustes
settings_title = Ajustes
settings_preferences = Recordatorios e idioma
settings_devices = Mis dispositivos
settings_notifications = Notificaciones en este navegador
settings_account = Mis datos y mi cuenta
settings_texts = Mensajes de texto

## Notificaciones en este navegador
notifications_title = Notificaciones
notifications_intro = Los recordatorios de cuidados de tu clínica pueden aparecer en este móvil u ordenador como notificaciones, aunque la aplicación esté cerrada: cuándo hidratar la piel, la protección solar y las señales que indican que debes llamar a la clínica.
notifications_lock_screen = Salvo que elijas otra cosa, una notificación solo muestra «{ $neutral_body }», nada sobre tu tratamiento ni tu piel.
notifications_preview_link = Elegir qué se ve con la pantalla bloqueada
notifications_asked = Tu navegador te pedirá permiso solo después de que pulses el botón.
notifications_turn_on = Activar las notificaciones
notifications_turn_off = Desactivar las notificaciones
notifications_on = Las notificaciones están activadas en este navegador.
notifications_off = Las notificaciones están desactivadas en este navegador. Tus recordatorios siempre están aquí, en la aplicación, en Hoy y en Calendario.
notifications_working = Un momento…
notifications_dismissed = No se permitieron las notificaciones. Pulsa el botón otra vez cuando quieras.
notifications_denied = Las notificaciones están bloqueadas para este sitio. Para activarlas, permite las notificaciones de este sitio en los ajustes de tu navegador y vuelve a esta página.
notifications_unsupported = Este navegador no puede mostrar notificaciones de la aplicación. En un iPhone o iPad, añade primero la aplicación a la pantalla de inicio (Compartir y luego «Añadir a pantalla de inicio») y ábrela desde allí.
notifications_failed = No se pudieron activar las notificaciones. Comprueba tu conexión y vuelve a intentarlo.
notifications_unavailable = El servicio de tu clínica no envía notificaciones al navegador por ahora. Tus recordatorios siempre están aquí, en la aplicación, en Hoy y en Calendario.
notifications_no_script = Para activar las notificaciones hace falta JavaScript, que está desactivado en este navegador.

## Preferencias
prefs_title = Recordatorios e idioma
quiet_hours = Horas de descanso
quiet_hours_hint = Entre estas horas no llegan recordatorios; esperan hasta el final.
quiet_start = Desde
quiet_end = Hasta
quiet_off = Sin horas de descanso
channels = Cómo te llegan los recordatorios
channel_push = Notificaciones en mi móvil o en este navegador
channel_email = Correo electrónico
channel_sms = Mensajes de texto (si he dado mi permiso)
preview_legend = Qué se ve con la pantalla bloqueada
preview_private = Solo «{ $neutral_body }»
preview_full = El mensaje completo
language = Idioma
time_zone = Zona horaria
time_zone_hint = Por ejemplo Europe/Madrid o America/Mexico_City. Los recordatorios siguen tu hora local.
save = Guardar
saved = Guardado.
fix_below = Corrige los campos marcados abajo, por favor.

## Mensajes de texto
texts_title = Mensajes de texto
texts_intro = Si un recordatorio importante no te llega como notificación, tu clínica puede enviarte un SMS corto con un enlace a esta app. Un SMS nunca dice nada de tu tratamiento ni de tu piel.
texts_phone = Móvil
texts_no_phone = Tu clínica no tiene tu número de móvil. Pide a tu clínica que añada tu móvil y vuelve aquí.
texts_phone_fix = ¿El número no es correcto? Pide a tu clínica que lo corrija.
texts_wording_title = Lo que aceptas
texts_wording = Acepto recibir mensajes de texto de { $clinic } sobre mis cuidados posteriores: recordatorios y enlaces a esta app. La frecuencia de los mensajes varía. Pueden aplicarse tarifas por mensajes y datos. Responde STOP para dejar de recibirlos y HELP para pedir ayuda.
texts_version = Versión del texto { $version }
texts_on = Los SMS están activados. Diste tu permiso el { $when }.
texts_off = Los SMS están desactivados.
texts_off_since = Los SMS están desactivados desde el { $when }.
texts_stopped = Los SMS están desactivados: respondiste STOP el { $when }.
texts_start_hint = Después de un STOP, tu compañía telefónica también bloquea nuestros SMS: para volver a recibirlos, actívalos aquí y responde START a uno de nuestros SMS.
texts_turn_on = Acepto: activar los SMS
texts_turn_off = Desactivar los SMS
texts_turned_on = Los SMS están activados.
texts_turned_off = Los SMS están desactivados. No te enviaremos nada más por SMS.
texts_need_phone = Primero tu clínica necesita tu número de móvil.
sent_by = Enviado por { $channels }
via_push = notificación
via_sms = SMS
via_email = correo

## Dispositivos
devices_title = Mis dispositivos
devices_intro = Los móviles y navegadores que reciben tus recordatorios.
devices_none = Todavía ningún dispositivo recibe notificaciones.
device_web = Navegador
device_ios = iPhone
device_android = Móvil Android
device_added = Añadido el { $when }
remove = Quitar

## Cuenta
account_title = Mis datos y mi cuenta
export_title = Descargar mis datos
export_body = Un archivo con todo lo que el servicio de cuidados de tu clínica guarda sobre ti.
export_button = Descargar mis datos
erase_title = Borrar mi cuenta
erase_body = Se borran tus datos personales, controles y dispositivos, y se paran tus recordatorios. No se puede deshacer.
erase_button = Borrar mi cuenta…
erase_confirm_title = ¿Borrar tu cuenta?
erase_confirm_body = Se borra todo lo tuyo y se cierra tu sesión. Tu clínica guarda solo lo que la ley le exige. No se puede deshacer.
erase_confirm_button = Sí, borrar mi cuenta
cancel = Cancelar
erased_title = Tu cuenta está borrada
erased_body = Tus datos se han borrado. Gracias por cuidar tu piel con nosotros.

## Sin conexión
offline_title = No tienes conexión
offline_body = Esta página necesita conexión. Tu calendario, tal como lo viste por última vez, sigue aquí.

## Errores
error_title = Algo no ha ido bien
not_found = Esa página no está aquí, o no es tuya.
csrf_failed = Este formulario ha caducado. Vuelve atrás, recarga la página e inténtalo de nuevo.
bad_request = No se ha podido entender esa petición.
forbidden = No puedes abrir esta página.
too_many = Demasiados intentos. Espera unos minutos y vuelve a intentarlo.
unavailable = El servicio está ocupado. Vuelve a intentarlo en un momento.
internal = Algo ha fallado por nuestra parte. Vuelve a intentarlo.
conflict = Eso no se puede hacer ahora.

# Antes de una sesión reservada: unas preguntas (cribado previo a la visita).
screening_title = Antes de tu sesión
screening_intro = Tu sesión es el { $when }. Dile a tu clínica si ahora te pasa algo de esto, para que pueda preparar tu sesión.
screening_legend = Marca todo lo que te pase ahora
screening_hint = Esto puede hacer que tu piel necesite más tiempo antes del tratamiento. Tu clínica decidirá.
sq_cold_sores = Tengo un herpes en el labio (calentura), o noto que empieza (hormigueo)
sq_sunburn = La piel que van a tratar está quemada por el sol
sq_active_infection = La piel que van a tratar parece infectada (caliente, dolorida o con pus)
sq_open_wound = Hay un corte, un arañazo o una herida abierta en la piel que van a tratar
sq_rash_or_inflammation = Hay un sarpullido, o piel roja e irritada, en la zona que van a tratar
sq_active_acne = Tengo granos rojos o dolorosos (acné) en la zona que van a tratar
sq_isotretinoin = Tomo, o he tomado hace poco, isotretinoína en pastillas para el acné
sq_blood_thinners = He empezado un medicamento que hace la sangre más líquida (por ejemplo Sintrom, apixabán o aspirina a diario)
sq_pregnancy = Estoy embarazada, o podría estarlo
screening_none = No me pasa nada de esto
screening_notes = ¿Algo más que deba saber tu clínica? (opcional)
screening_notes_hint = Por ejemplo, un medicamento nuevo, o cuándo empezó un problema.
screening_send = Enviar mis respuestas
screening_missing = Marca lo que te pase, o «No me pasa nada de esto».
screening_both = Has marcado «No me pasa nada de esto» y algo más. Revisa tus respuestas, por favor.
screening_no_session = No tienes ninguna sesión reservada, así que aún no hay nada que responder.
screening_not_yet = Estas preguntas se abren el { $when }, tres días antes de tu sesión.
screening_closed = Tu sesión ya ha empezado. Díselo en persona al personal.
screening_too_many = Ya has enviado tus respuestas muchas veces. Para cambiarlas ahora, llama a tu clínica.
screening_answered = Respondiste el { $when }. Puedes cambiar tus respuestas hasta tu sesión.
screening_sent_title = Gracias
screening_flagged = Tu clínica revisará tus respuestas antes de tu sesión.
screening_flagged_call = Si no sabes si debes ir, llama a tu clínica
screening_flagged_no_phone = Si no sabes si debes ir, ponte en contacto con tu clínica.
screening_clear = Nada que comentar. Nos vemos en tu sesión del { $when }.
screening_you_said = Lo que le has dicho a tu clínica
screening_your_note = Tu nota
screening_change = Cambiar mis respuestas
screening_card_title = Unas preguntas antes de tu sesión
screening_card_body = Tu sesión es el { $when }. Responde unas preguntas rápidas para que tu clínica pueda prepararla.
screening_start = Responder las preguntas
screening_notes_bad = Escribe tu nota con 1000 caracteres como máximo, en texto normal.
