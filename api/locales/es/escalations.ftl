# The clinic console (es): escalations.
esc_symptom_pus = Pus o supuración
esc_symptom_fever = Fiebre
esc_symptom_spreading_redness = Enrojecimiento que se extiende
esc_symptom_blisters = Ampollas
esc_symptom_cold_sore = Herpes labial
esc_symptom_severe_pain = Dolor intenso
esc_no_symptoms = No marcó ningún signo de alarma
esc_and = y
esc_sev_urgent = Urgente
esc_sev_routine = Normal
esc_sev_none = Lo esperado
esc_rule_warning_sign = Signo de alarma comunicado: { $signs }; llame al paciente hoy
esc_rule_warning_sign_plain = Signo de alarma comunicado (posible infección); llame al paciente hoy
esc_rule_redness_not_fading = El enrojecimiento no baja al quinto día (6/10 o más); contacte con el paciente hoy o mañana
esc_rule_redness_worsening = El enrojecimiento vuelve a aumentar pasados los primeros días; contacte con el paciente hoy o mañana
esc_rule_strong_pain = Dolor fuerte (7/10 o más), mayor de lo esperado; contacte con el paciente hoy o mañana
esc_rule_unknown = Fuera de la evolución esperada; revise el control
esc_score = { $name } { $score }/10
esc_reported = Comunicado
esc_why = Motivo
esc_call = Llamar al { $phone }
esc_no_phone = Sin teléfono registrado
esc_erased = Paciente con datos borrados
esc_opened_at = Abierta el { $at }
esc_open_for = abierta hace { $time }
esc_alerts_in_group = { $count } alertas de este paciente hoy
esc_resolve_group = { $count ->
    [one] Resolver
   *[other] Resolver las { $count }
}
esc_note_hint = Qué hizo: llamada, cita reservada, indicaciones dadas.
esc_note_empty = Escriba qué hizo antes de resolver (por ejemplo: llamada, cita reservada).
esc_note_too_long = La nota es demasiado larga: 2000 caracteres como máximo.
esc_note_invalid = La nota contiene caracteres que no se pueden guardar.
esc_more_open = Se muestran { $shown } alertas abiertas: primero todas las urgentes, después las que más llevan esperando; hay más abiertas.
esc_resolved_by = Resuelta por
esc_resolved_at = Resuelta el
esc_time_to_resolve = Tiempo hasta resolver
esc_open_badge_hidden = abiertas
esc_confirmed = { $count ->
    [one] Se resolvió la alerta de { $name } ({ $severity }, abierta hace { $ago }). Nota guardada.
   *[other] Se resolvieron { $count } alertas de { $name } ({ $severity }, la primera abierta hace { $ago }). Nota guardada.
}
esc_this_patient = este paciente
esc_resolved_on_record = Alerta resuelta; su nota queda guardada con ella.
