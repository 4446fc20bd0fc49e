"""The public hall (电子政务大厅): what citizens and enterprises see of the node.

``python -m services.hall.server`` serves server-rendered pages in Chinese on
``SUNLIGHT_HALL_PORT`` (8000). The hall owns no data: it reads the catalogue and the cases over
gRPC with its own service token.
"""
