//! Devices that say what they are: an FCM token on an iPhone (Flutter, React Native) goes
//! through FCM, an APNs sandbox token (a build from Xcode) to the sandbox host; and after a
//! patient's erasure the worker reaches none of their former devices or their address.

use shared::db::devices::DeviceForm;
use shared::domain::{ApnsEnvironment, Platform, PushProvider};
use shared::testing::fixtures::apns_token;
use shared::testing::smtp::SmtpServer;
use shared::time::now;

use crate::both_backends;
use crate::fakes::{FakeApns, FakeFcm};
use crate::helpers::drain;

fn device(
    platform: Platform,
    token: &str,
    provider: PushProvider,
    env: Option<ApnsEnvironment>,
) -> DeviceForm {
    DeviceForm {
        platform,
        token: token.to_owned(),
        app_version: Some("2.0.0".to_owned()),
        provider,
        apns_environment: env,
        webpush: None,
    }
}

both_backends! {
    async fn an_iphone_with_an_fcm_token_is_reached_through_fcm_and_stays_active(env) {
        let fcm = FakeFcm::start().await;
        let apns = FakeApns::start().await;
        env.set(fcm.settings());
        env.set(apns.settings());
        let (clinic, patient) = env.patient().await;
        let d = env.device_with(&patient.id, device(Platform::Ios, "flutter-fcm-token", PushProvider::Fcm, None)).await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;

        assert_eq!(drain(&env.worker()).await, 1);

        let reqs = fcm.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].body["message"]["token"], "flutter-fcm-token");
        assert!(apns.requests().is_empty(), "an FCM token never goes to APNs");
        assert!(env.device_row(&d.id).await.active);
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("fcm")));
    }

    async fn a_sandbox_token_goes_to_the_sandbox_host_and_a_production_one_to_production(env) {
        let production = FakeApns::start().await;
        let sandbox = FakeApns::start().await;
        env.set(production.settings());
        env.set([("AFTERCARE_APNS_SANDBOX_BASE_URL", sandbox.url.clone())]);
        let (clinic, patient) = env.patient().await;
        let dev = env.device_with(&patient.id, device(Platform::Ios, &apns_token("xcode-token"), PushProvider::Apns, Some(ApnsEnvironment::Sandbox))).await;
        let store = env.device(&patient.id, "ios", &apns_token("app-store-token")).await;
        assert_eq!(store.apns_environment, Some(ApnsEnvironment::Production));
        env.prompt(&clinic.id, &patient.id).await;

        assert_eq!(drain(&env.worker()).await, 1);

        let paths = |f: &FakeApns| f.requests().into_iter().map(|r| r.path).collect::<Vec<_>>();
        assert_eq!(paths(&sandbox), [format!("/3/device/{}", apns_token("xcode-token"))]);
        assert_eq!(paths(&production), [format!("/3/device/{}", apns_token("app-store-token"))]);
        assert!(env.device_row(&dev.id).await.active && env.device_row(&store.id).await.active);
    }

    async fn after_erasure_the_worker_sends_nothing_to_the_former_devices_or_address(env) {
        let fcm = FakeFcm::start().await;
        let apns = FakeApns::start().await;
        let smtp = SmtpServer::start().await;
        env.set(fcm.settings());
        env.set(apns.settings());
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "former-android").await;
        env.device(&patient.id, "ios", &apns_token("former-iphone")).await;
        let due = env.prompt(&clinic.id, &patient.id).await;
        let also_due = env.prompt(&clinic.id, &patient.id).await;

        let erased = shared::care::rights::erase(&env.db, &patient.id.as_patient(), now()).await.unwrap();
        assert_eq!((erased.devices, erased.cancelled_prompts), (2, 2));

        // The real dispatch loop, over the whole outbox.
        drain(&env.worker()).await;

        assert_eq!(fcm.count(), 0, "FCM was called");
        assert!(apns.requests().is_empty(), "APNs was called");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(smtp.received().is_empty(), "an email went out");
        for p in [due, also_due] {
            let p = env.reload(&p.id).await;
            assert_eq!(p.status.as_str(), "cancelled");
            assert!(env.attempts(&p.id).await.is_empty());
        }
    }
}
