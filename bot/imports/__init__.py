"""The operators' CSV formats, read: accounts (`accounts`, with the whole-line quick path in
`account_lines`), balances and outages, the header conventions they share (`header`), the
encoding check, options and exit codes every import command shares (`files`), and the process
that reads a large accounts file beside the writer (`reader`). Storage receives what these
produce (`storage.base.ImportRow`, `ImportedBalance`, `billing_core.outages.Outage`) and reads
no file itself."""
