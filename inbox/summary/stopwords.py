"""French and English stop words (plus Quebec spoken forms) left out of "most frequent terms"."""

from __future__ import annotations

_FRENCH = """
a à ai aie aient aies ait alors as au aucun aucune aujourd aupres auquel aura aurai auraient
aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels
avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons bah ben bon c ça
car ce ceci cela celle celles celui cependant certain certaine certaines certains ces cet cette
ceux chaque chez ci comme comment d dans de dedans dehors depuis des desquelles desquels dessous
dessus deux doit donc dont du duquel durant elle elles en encore entre es est et étaient étais
était étant été êtes étiez étions être eu eue eues eûmes eurent eus eut eux fait faites fois font
fut furent fûmes hors ici il ils j je jusqu jusque l la là le les lequel lesquelles lesquels leur
leurs lui m ma mais me même mêmes mes moi moins mon n ne ni nos notre nous on ont ou où par parce
pas peu peut peux plus pour pourquoi puis qu quand que quel quelle quelles quels qui quoi s sa
sans se sera serai seraient serais serait seras serez seriez serions serons seront ses si sien
soi soient sois soit sommes son sont sous suis sur t ta te tes toi ton tous tout toute toutes
très tu un une unes uns vos votre vous vu y été faire fais avoir chose choses rien tjrs tsé pis
genre vraiment ben là icitte ouin ouais oui non mon ma mes ton ta tes son sa ses
"""

_ENGLISH = """
a about above after again against all am an and any are aren as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don down during
each few for from further get got had hadn has hasn have haven having he her here hers herself
him himself his how i if in into is isn it its itself just let ll me more most mustn my myself
no nor not now of off on once only or other ought our ours ourselves out over own re same shan
she should shouldn so some such than that the their theirs them themselves then there these
they this those through to too under until up us ve very was wasn we were weren what when where
which while who whom why will with won would wouldn you your yours yourself yourselves also
really one two im ive dont cant didnt doesnt wont thats its youre theyre got get just like
"""

STOP_WORDS: frozenset[str] = frozenset((_FRENCH + " " + _ENGLISH).split())
