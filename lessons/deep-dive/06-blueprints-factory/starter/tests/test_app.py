# TODO: at least three tests, e.g. test_healthz_names_the_config(client)
