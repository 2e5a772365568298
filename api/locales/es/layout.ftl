# The clinic console (es): layout.

# The recovery chart: its axes, legend and description for screen readers.
chart_x_axis = Día de tratamiento
chart_y_axis = Puntuación (0–10)
chart_urgent = Control urgente
chart_routine = Control de rutina
chart_desc = Enrojecimiento, hinchazón y dolor de { $count } controles, del día { $first } al día { $last }, en una escala de 0 a 10.
chart_desc_empty = Todavía no hay controles con día de tratamiento.
chart_desc_band = El límite esperado de enrojecimiento baja de { $from } a { $to } el día { $day }.
chart_desc_marks = Se marcan { $urgent } controles urgentes con un triángulo y { $routine } controles de rutina con un cuadrado.
