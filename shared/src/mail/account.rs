//! Account emails (invitations, password resets) in the user's locale.
//!
//! They carry the one-time code and how to use it, nothing else: no clinic name, no treatment,
//! no health word (a subject shows on a lock screen). Invitations and resets carry no link (a
//! link in an email is what phishing imitates; the code is typed into the app); a sign-in code's
//! message links to the web app's page where the code is typed, the link holding the email only,
//! never the code (so a mail scanner that opens links cannot spend it).

use super::OutgoingEmail;
use crate::domain::Locale;

/// Who an invitation is for: staff sign in to the clinic tools, patients to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Staff,
    Patient,
}

pub fn invitation(
    to: &str,
    locale: Locale,
    audience: Audience,
    code: &str,
    ttl_hours: i64,
) -> OutgoingEmail {
    let (subject, text) = match (locale, audience) {
        (Locale::En, Audience::Patient) => (
            "Your aftercare app invitation".to_owned(),
            format!(
                "Hello,\n\nYou have been invited to the aftercare app.\n\n\
                 Open the app, choose \"I have an invitation code\" and enter:\n\n    {code}\n\n\
                 Then choose a password. The code works once and expires in {ttl_hours} hours.\n\n\
                 If you did not expect this message, you can ignore it.\n"
            ),
        ),
        (Locale::Es, Audience::Patient) => (
            "Tu invitación a la app de cuidados posteriores".to_owned(),
            format!(
                "Hola:\n\nTe han invitado a la app de cuidados posteriores.\n\n\
                 Abre la app, elige \"Tengo un código de invitación\" e introduce:\n\n    {code}\n\n\
                 Después elige una contraseña. El código sirve una sola vez y caduca en \
                 {ttl_hours} horas.\n\n\
                 Si no esperabas este mensaje, puedes ignorarlo.\n"
            ),
        ),
        (Locale::En, Audience::Staff) => (
            "Your aftercare staff account invitation".to_owned(),
            format!(
                "Hello,\n\nAn account has been created for you in the aftercare clinic tools.\n\n\
                 To activate it, enter this invitation code and choose a password:\n\n    {code}\n\n\
                 The code works once and expires in {ttl_hours} hours.\n\n\
                 If you did not expect this message, you can ignore it.\n"
            ),
        ),
        (Locale::Es, Audience::Staff) => (
            "Invitación a tu cuenta del equipo de la clínica".to_owned(),
            format!(
                "Hola:\n\nSe ha creado una cuenta para ti en las herramientas de la clínica.\n\n\
                 Para activarla, introduce este código de invitación y elige una contraseña:\n\n    {code}\n\n\
                 El código sirve una sola vez y caduca en {ttl_hours} horas.\n\n\
                 Si no esperabas este mensaje, puedes ignorarlo.\n"
            ),
        ),
    };
    OutgoingEmail {
        to: to.to_owned(),
        subject,
        text,
        kind: "invitation",
    }
}

pub fn password_reset(to: &str, locale: Locale, code: &str, ttl_hours: i64) -> OutgoingEmail {
    let (subject, text) = match locale {
        Locale::En => (
            "Reset your password".to_owned(),
            format!(
                "Hello,\n\nSomeone asked to reset the password of the account with this email \
                 address. To choose a new password, enter this code:\n\n    {code}\n\n\
                 The code works once and expires in {ttl_hours} hour(s).\n\n\
                 If it was not you, ignore this message: your password stays as it is.\n"
            ),
        ),
        Locale::Es => (
            "Restablece tu contraseña".to_owned(),
            format!(
                "Hola:\n\nAlguien ha pedido restablecer la contraseña de la cuenta con este \
                 correo. Para elegir una contraseña nueva, introduce este código:\n\n    {code}\n\n\
                 El código sirve una sola vez y caduca en {ttl_hours} hora(s).\n\n\
                 Si no has sido tú, ignora este mensaje: tu contraseña no cambia.\n"
            ),
        ),
    };
    OutgoingEmail {
        to: to.to_owned(),
        subject,
        text,
        kind: "password_reset",
    }
}

/// A one-time sign-in code (6 digits, valid `ttl_minutes`) and `link`, the web app's page to
/// type it into. The subject says nothing but "sign-in code" (it shows on a lock screen), and
/// the code is not in it.
pub fn sign_in_code(
    to: &str,
    locale: Locale,
    code: &str,
    ttl_minutes: i64,
    link: &str,
) -> OutgoingEmail {
    let (subject, text) = match locale {
        Locale::En => (
            "Your sign-in code".to_owned(),
            format!(
                "Hello,\n\nYour code to sign in:\n\n    {code}\n\n\
                 Type it in the app, or on this page: {link}\n\n\
                 The code works once and expires in {ttl_minutes} minutes. Nobody from your \
                 clinic will ever ask you for it.\n\n\
                 If you did not ask for it, you can ignore this message: nobody can sign in \
                 without the code.\n"
            ),
        ),
        Locale::Es => (
            "Tu código para iniciar sesión".to_owned(),
            format!(
                "Hola:\n\nTu código para iniciar sesión:\n\n    {code}\n\n\
                 Escríbelo en la app o en esta página: {link}\n\n\
                 El código sirve una sola vez y caduca en {ttl_minutes} minutos. Nadie de tu \
                 clínica te lo pedirá nunca.\n\n\
                 Si no lo has pedido, puedes ignorar este mensaje: nadie puede iniciar sesión \
                 sin el código.\n"
            ),
        ),
    };
    OutgoingEmail {
        to: to.to_owned(),
        subject,
        text,
        kind: "sign_in_code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_and_audience_carries_the_code() {
        for locale in Locale::ALL {
            for audience in [Audience::Staff, Audience::Patient] {
                let m = invitation("a@b.test", *locale, audience, "ABCD-EFGH", 72);
                assert!(m.text.contains("ABCD-EFGH") && m.text.contains("72"));
            }
            assert!(
                password_reset("a@b.test", *locale, "WXYZ", 1)
                    .text
                    .contains("WXYZ")
            );
        }
        for locale in Locale::ALL {
            let m = sign_in_code("a@b.test", *locale, "012345", 15, "https://x.test/app/p");
            assert!(m.text.contains("012345") && m.text.contains("https://x.test/app/p"));
            assert!(m.text.contains("15") && !m.subject.contains("012345"));
        }
        assert!(
            invitation("a@b.test", Locale::Es, Audience::Patient, "C", 72)
                .subject
                .contains("invitación")
        );
    }
}
