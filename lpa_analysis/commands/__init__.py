"""One module per `lpa` command group; importing them registers the commands on `cli.app`."""
