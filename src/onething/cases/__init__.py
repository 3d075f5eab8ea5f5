"""Cases: one form, one submission, one window, parallel approval by every department."""
