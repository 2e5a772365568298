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
