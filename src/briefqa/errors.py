"""Domain errors, translated to HTTP status codes and CLI messages only at the edges.

    BriefQAError
    ├── IndexNotFound       no index has been built at the configured location (503)
    ├── IndexCorrupt        the index exists but fails verification (503)
    ├── CorpusError         the corpus folder is missing or holds no readable article
    ├── InvalidInput        a request the core refuses, such as a blank question (422)
    └── DocumentNotFound    no article has the requested id (404)
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
