"""Only Meta's own Graph hosts (or one the administrator listed) can prove a Page or Instagram
account's access: Instagram Login accounts live on graph.instagram.com, Facebook Login ones on
graph.facebook.com; a look-alike name proves nothing."""

from __future__ import annotations

from collector.meta_graph import _trusted
from inbox.netguard import Policy


def test_both_graph_hosts_and_nothing_like_them() -> None:
    policy = Policy()
    assert _trusted("https://graph.facebook.com/v25.0", policy)
    assert _trusted("https://graph.instagram.com/v25.0", policy)
    for url in ("http://graph.instagram.com/v25.0", "https://graph.instagram.com.evil.example/v25.0",
                "https://evilgraph.instagram.com/", "https://instagram.com/"):
        assert not _trusted(url, policy), url
    assert _trusted("http://127.0.0.1:9101", Policy.parse("127.0.0.1:9101"))
