# The clinic console (es): forms.

# The treatment form: whose it is, the course so far, the course check.
treatment_for = Registrar un tratamiento de { $name }
course_last = Último tratamiento: { $date }, sesión { $session } de { $planned }, cada { $weeks } semanas. El formulario continúa ese tratamiento.
course_first = Aún no hay ningún tratamiento registrado: este será el primero.
course_warnings_title = Revise antes de registrar
course_warnings_hint = Todavía no se ha registrado nada. Corrija el formulario y regístrelo, o pulse «Registrar de todos modos» al final para registrarlo tal como está.
record_anyway = Registrar de todos modos
warn_session_repeated = La sesión { $session } ya se registró el { $date }.
warn_session_backwards = La sesión { $session } es anterior a la última sesión registrada ({ $last }).
warn_beyond_planned = La sesión { $session } supera las { $planned } sesiones previstas para este tratamiento.
warn_too_soon = { $days ->
        [one] Solo ha pasado { $days } día
       *[other] Solo han pasado { $days } días
    } desde el último tratamiento ({ $date }): las sesiones suelen espaciarse entre 3 y 8 semanas.
warn_before_last = Esta fecha es anterior al último tratamiento registrado ({ $date }).

# The next-session booking and discharge, confirmed on the patient's record.
booking_saved = Próxima sesión reservada. Los recordatorios del paciente se han actualizado.
booking_cancelled = Próxima sesión cancelada, junto con sus recordatorios.
booking_discharged = Este paciente ha sido dado de alta: registre un tratamiento para readmitirlo antes de reservar.
discharge_done = Paciente dado de alta. No se le enviará nada más.
course_jump_to_confirm = Revise el formulario y pulse «Registrar de todos modos» al final

# Email addresses the mailer cannot send to, and permanent mail refusals (field_messages.rs).
field_email_quoted = no debe llevar comillas antes de la @
field_email_local_chars = antes de la @ solo puede llevar letras sin acentos, cifras y símbolos como . _ - +
field_email_ip = debe llevar un nombre de dominio después de la @, no una dirección IP
field_email_domain = debe llevar un nombre de dominio válido después de la @
field_mail_permanent = el servidor de correo se ha negado definitivamente a enviar a esta dirección: compruebe que no tenga errores (si es correcta, hay que revisar la configuración de correo del servicio)
field_mail_address = no es una dirección a la que se pueda enviar correo: corríjala

# The password rules ($score and $needed: the estimator's 0 to 4 scale), then the estimator's
# (zxcvbn's) warnings and suggestions.
field_password_guessable = es demasiado fácil de adivinar (seguridad { $score } de 4; se necesita al menos { $needed })
password_hint_key_rows = Las filas seguidas del teclado son fáciles de adivinar.
password_hint_key_patterns = Los patrones cortos de teclado son fáciles de adivinar.
password_hint_repeats = Las repeticiones como «aaa» son fáciles de adivinar.
password_hint_repeated_groups = Las repeticiones como «abcabcabc» son apenas más difíciles de adivinar que «abc».
password_hint_top10 = Es una de las 10 contraseñas más comunes.
password_hint_top100 = Es una de las 100 contraseñas más comunes.
password_hint_common = Es una contraseña muy común.
password_hint_similar_common = Se parece a una contraseña muy usada.
password_hint_sequences = Las secuencias como abc o 6543 son fáciles de adivinar.
password_hint_recent_years = Los años recientes son fáciles de adivinar.
password_hint_one_word = Una palabra sola es fácil de adivinar.
password_hint_dates = Las fechas suelen ser fáciles de adivinar.
password_hint_names_alone = Los nombres y apellidos solos son fáciles de adivinar.
password_hint_common_names = Los nombres y apellidos comunes son fáciles de adivinar.
password_hint_few_words = Use varias palabras y evite frases hechas.
password_hint_no_symbols_needed = No hacen falta símbolos, cifras ni mayúsculas.
password_hint_add_word = Añada una o dos palabras más; mejor si son poco comunes.
password_hint_capitals = Las mayúsculas no ayudan mucho.
password_hint_all_capitals = Todo en mayúsculas es casi tan fácil de adivinar como todo en minúsculas.
password_hint_reversed = Las palabras al revés no son mucho más difíciles de adivinar.
password_hint_substitutions = Las sustituciones previsibles, como «@» en lugar de «a», no ayudan mucho.
password_hint_longer_pattern = Use un patrón de teclado más largo y con más giros.
password_hint_avoid_repeats = Evite repetir palabras y caracteres.
password_hint_avoid_sequences = Evite las secuencias.
password_hint_avoid_recent_years = Evite los años recientes.
password_hint_avoid_your_years = Evite los años relacionados con usted.
password_hint_avoid_your_dates = Evite las fechas y años relacionados con usted.
