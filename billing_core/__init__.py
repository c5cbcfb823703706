"""Pure billing domain: tariffs, the submission window, reading validation and bills."""
