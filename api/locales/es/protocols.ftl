# La consola: el protocolo propio de la clínica (lista, editor, vista previa, comparación, publicación).
nav_protocols = Protocolo
proto_title = Protocolo de cuidados
proto_intro = Cada tratamiento se planifica con la versión publicada cuando se registró. Edite un borrador, véalo para un tratamiento de ejemplo, compárelo y publíquelo.
proto_in_use_default = Los tratamientos que se registran ahora usan el protocolo predeterminado del producto.
proto_in_use_version = Los tratamientos que se registran ahora usan la { $version }.
proto_new_draft = Nuevo borrador
proto_start_from = Partir de
proto_the_default = El predeterminado del producto
proto_an_earlier_version = Una versión anterior
proto_create_draft = Crear el borrador
proto_versions = Versiones
proto_no_versions = Aún no hay versiones: su clínica usa el protocolo predeterminado del producto.
proto_version = Versión
proto_version_n = Versión { $n }
proto_based_on = Basada en
proto_published = Publicada
proto_published_by = { $when } por { $who }
proto_last_changed = Último cambio
proto_status_draft = Borrador
proto_status_published = Publicada
proto_status_retired = Retirada
proto_not_a_draft = Solo se puede cambiar un borrador. Cree un borrador nuevo a partir de esta versión para cambiarla.
proto_prompt_count = Mensajes
proto_add_prompt = Añadir un mensaje
proto_publish = Publicar…
proto_publish_admins = Un administrador de la clínica publica el borrador.
proto_notice_saved = Guardado.
proto_notice_removed = Se quitó el mensaje.
proto_notice_published = { $count ->
    [0] Publicada. Los tratamientos que se registren a partir de ahora usan esta versión.
    [one] Publicada. Se replanificó 1 paciente actual con esta versión.
   *[other] Publicada. Se replanificaron { $count } pacientes actuales con esta versión.
}
proto_history = Historial
proto_edit_create = Borrador creado el { $when } por { $who }
proto_edit_update = Cambiada el { $when } por { $who }
proto_edit_publish = Publicada el { $when } por { $who }
proto_edit_replan = Pacientes actuales replanificados el { $when } por { $who }
proto_anchor_booking = Antes de la sesión reservada
proto_anchor_treatment = Después del tratamiento
proto_anchor_course = Al acabar el intervalo del ciclo
proto_day_n = Día { $day }
proto_days_before = { $days ->
    [one] 1 día antes
   *[other] { $days } días antes
}
proto_days_after_course = { $days ->
    [0] El día en que acaba el intervalo
    [one] 1 día después del intervalo
   *[other] { $days } días después del intervalo
}
proto_important_badge = Importante
proto_some_patients = solo algunos pacientes
proto_prompt_title = { $day }: { $key }
proto_new_prompt = Mensaje nuevo
proto_read_only = Esta versión está publicada o retirada y no se puede cambiar.
proto_read_only_legend = Solo lectura
proto_when = Cuándo
proto_f_anchor = Se cuenta desde
proto_f_day = Día
proto_day_hint = Después del tratamiento de 0 a 730; antes de una cita de −30 a −1; después del intervalo del ciclo de 0 a 60.
proto_f_time = Hora
proto_time_hint = Hora local como HH:MM, por ejemplo 09:00.
proto_english = Inglés
proto_spanish = Español
proto_f_title = Título
proto_f_body = Mensaje
proto_f_en_title = Título en inglés
proto_f_en_body = Mensaje en inglés
proto_f_es_title = Título en español
proto_f_es_body = Mensaje en español
proto_placeholders_hint = Títulos de hasta 80 caracteres y mensajes de hasta 600. Los mensajes de antes de una cita pueden usar {"{"}session_date{"}"} y {"{"}session_time{"}"}; los demás {"{"}session_number{"}"} y {"{"}planned_sessions{"}"}.
proto_for_whom = Para quién
proto_for_whom_hint = Déjelo todo vacío para todos los pacientes. Cada condición indicada debe cumplirse.
proto_f_min_depth = Profundidad de aguja desde (mm)
proto_f_max_depth = Profundidad de aguja hasta (mm)
proto_f_devices = Dispositivos
proto_f_prp = Combinado con PRP
proto_any = Cualquiera
proto_prp_with = Con PRP
proto_prp_without = Sin PRP
proto_f_course = Ciclo
proto_course_continuing = Quedan sesiones
proto_course_final = Última sesión prevista
proto_delivery = Tipo y envío
proto_f_kind = Tipo
proto_f_important = Importante: enviarlo también por SMS o correo si no se abre a tiempo
proto_f_ack_window = Minutos para abrirlo antes del siguiente canal
proto_ack_hint = De 5 a 1440, solo para mensajes importantes.
proto_f_reassuring = Tranquilizador: se retiene mientras haya una alerta urgente abierta
proto_f_key = Clave
proto_key_hint = Letras minúsculas, cifras y guiones bajos; única en el protocolo.
proto_source = En qué se basa
proto_source_hint = Marque los datos en que se basa, o indique el profesional que avala la instrucción propia de su clínica.
proto_f_facts = Datos
proto_f_clinician = Profesional que la avala
proto_clinician_hint = De 1 a 120 caracteres.
proto_save_prompt = Guardar el mensaje
proto_remove_prompt = Quitar…
proto_remove_title = ¿Quitar este mensaje?
proto_remove_explain = El mensaje se quita solo de este borrador. Las versiones publicadas lo conservan.
proto_remove_confirm = Quitar el mensaje
proto_keep_prompt = Conservarlo
proto_errors_title = No se guardó nada: corrija lo siguiente
proto_err_whole_number = debe ser un número entero
proto_err_number = debe ser un número como 1.5
proto_triage_title = Umbrales de triaje
proto_triage_intro = Un control que cumple una regla se muestra a la clínica como rutinario o urgente. Las reglas de signos de alarma solo se pueden ampliar; los demás umbrales se quedan a 2 como mucho del predeterminado.
proto_t_severity = Gravedad
proto_t_urgent_kept = siempre urgente
proto_t_day_min = Desde el día
proto_t_day_max = Hasta el día
proto_t_redness_min = Enrojecimiento al menos
proto_t_redness_max = Enrojecimiento como mucho
proto_t_swelling_min = Hinchazón al menos
proto_t_swelling_max = Hinchazón como mucho
proto_t_pain_min = Dolor al menos
proto_t_pain_max = Dolor como mucho
proto_t_range = Permitido de { $low } a { $high } (predeterminado { $default })
proto_t_symptoms = Signos de alarma que la activan
proto_t_symptoms_hint = Se pueden añadir signos, no quitarlos.
proto_save_triage = Guardar los umbrales
proto_preview_title = Vista previa
proto_preview_intro = Cada mensaje que esta versión planifica para un tratamiento de ejemplo, día a día, tal como lo lee el paciente.
proto_booking_at = Próxima sesión reservada para
proto_booking_hint = Opcional: muestra los mensajes de antes de una sesión reservada.
proto_preview_lang = Idioma del paciente
proto_preview_show = Ver el plan
proto_preview_plan = El plan
proto_preview_nothing = Esta versión no planifica ningún mensaje para este tratamiento.
proto_preview_day = { $date } · día { $day }
proto_compare_title = Comparar versiones
proto_compare_with_default = Comparar con el predeterminado
proto_compare_before = Desde
proto_compare_after = Hasta
proto_compare_show = Comparar
proto_compare_heading = De { $before } a { $after }
proto_compare_same = No hay diferencias.
proto_change_added = añadido
proto_change_removed = quitado
proto_change_changed = cambiado
proto_change_prompt = Mensaje { $key }
proto_change_rule = Triaje: { $rule }
proto_before = Antes
proto_after = Después
proto_publish_title = Publicar la { $version }
proto_publish_new_treatments = Cada tratamiento que se registre a partir de ahora se planifica con esta versión.
proto_publish_replaces = La { $version } se retira; los tratamientos planificados con ella la conservan.
proto_publish_replaces_default = El predeterminado del producto deja de aplicarse a los tratamientos nuevos; los planificados con él lo conservan.
proto_publish_final = Una versión publicada no se puede cambiar; los cambios van en un borrador nuevo.
proto_replan_legend = Pacientes actuales
proto_replan_label = { $count ->
    [one] Replanificar también al paciente actual con esta versión
   *[other] Replanificar también a los { $count } pacientes actuales con esta versión
}
proto_replan_hint = Sus mensajes pendientes se vuelven a planificar; lo ya enviado se queda. Cada replanificación queda en el registro de auditoría.
proto_not_now = Ahora no
