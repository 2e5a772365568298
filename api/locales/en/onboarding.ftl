# The clinic console (en): onboarding.
