"""Starting the front desk: the process supervisor (serve.py) and a database made ready for first use
(prepare.py). The top of the layers: it may import every domain and channel; nothing imports it but
tests, benchmarks and the Makefile."""
