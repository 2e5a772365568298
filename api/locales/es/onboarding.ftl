# The clinic console (es): onboarding.
