"""Domain errors, translated to HTTP status codes and CLI messages only at the edges.

    BriefQAError
    ├── IndexNotFound       no index has been built at the configured location (503)
    ├── IndexCorrupt        the index exists but fails verification (503)
    ├── CorpusError         the corpus folder is missing or holds no readable article
    │   ├── UnsupportedFormat   a document of a type briefqa cannot read (415)
    │   ├── UnreadableDocument  a supported type that is empty, damaged, encrypted or textless (422)
    │   └── DocumentTooLarge    a document over the upload limit (413)
    ├── InvalidInput        a request the core refuses, such as a blank question (422)
    ├── DocumentNotFound    no article has the requested id (404)
    └── WritesRefused       the server is read-only (403)
"""


class BriefQAError(Exception):
    """Base class for every error briefqa raises on purpose."""


class IndexNotFound(BriefQAError):
    pass


class IndexCorrupt(BriefQAError):
    pass


class CorpusError(BriefQAError):
    pass


class InvalidInput(BriefQAError):
    pass


class DocumentNotFound(BriefQAError):
    pass


class UnsupportedFormat(CorpusError):
    pass


class UnreadableDocument(CorpusError):
    pass


class DocumentTooLarge(CorpusError):
    pass


class WritesRefused(BriefQAError):
    pass
