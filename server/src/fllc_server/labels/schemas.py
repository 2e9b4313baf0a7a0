from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from fllc_server.kit.schemas import RequestSchema


class PrintRequest(RequestSchema):
    printer: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    """The name of a printer in the `label_printers` setting."""
    zpl: Annotated[str, StringConstraints(min_length=1, max_length=512 * 1024)]
    """Label formats (^XA … ^XZ) only; field data hex-escaped with ^FH."""


class PrintResult(BaseModel):
    printer: str
    labels: int
    """Label formats sent (each may print several copies: ^PQ)."""
    bytes: int
