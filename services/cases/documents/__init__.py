"""Documents (文书) a case produces: issued with the event, rendered as PDF afterwards, verified
against the trace. The pure part — kinds, wording, numbers, hash — is
``services.cases.domain.documents``."""
