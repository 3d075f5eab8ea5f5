"""好差评: rating every service occasion and handling every bad review to the end."""
