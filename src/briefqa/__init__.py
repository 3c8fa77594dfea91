"""briefqa: grounded, cited question answering and briefings over a folder of articles."""

__version__ = "0.1.0"
