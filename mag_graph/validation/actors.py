"""Whose finding is it: the actor assigned to what a finding concerns.

A report grouped "by actor" puts each finding under the actor (body, post, organisation,
person, group) who holds the role or responsibility the finding is about, not under the
resource the shape looked at. What "assigned" means depends on the kind of resource:

* a responsibility: the actors it is assigned to (``mag:assignedTo``);
* a role assignment or a participation: who holds it (``mag:holder``;
  ``mag:representedBy``, else ``org:member``);
* a partnership: its ambtelijk accounthouder (``mag:accounthouder``), else the holder of
  its lead-party role (the penvoerder, a role assignment ``mag:inContext`` it);
* a consultation or project without a direct actor: the holder of its leading role
  (:data:`LEADING_ROLES`: chair, bestuurlijk opdrachtgever, projectleider...);
* a dashboard: the actor of the partnership it belongs to (``mag:dashboardOf``);
* a decision, grant, advice, budget, initiative, consultation, meeting, project or
  document: who took, granted, gave, manages, applied, holds, chairs, carries out,
  commissioned or wrote it (:data:`ASSIGNING`);
* a role (a concept used as ``org:role``): the holders of its role assignments;
* an actor itself (a municipality, governing body, post, organisation, group, person):
  that actor.

Anything else (a goal, an indicator, an observation, a plan without an author) has no
actor: the faces show it as "zonder actor / no actor". :func:`actors_of` reads an
Oxigraph store; the report keeps the outcome with each finding.
"""

from __future__ import annotations

import pyoxigraph as ox

from mag_graph.namespaces import MAGB, ORG, PROV, RDF

__all__ = ["ACTOR_CLASSES", "ASSIGNING", "LEADING_ROLES", "actors_of"]

_MAG = "https://data.mag-graph.nl/def/mag#"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _mag(name: str) -> ox.NamedNode:
    return _n(_MAG + name)


# The properties that name the actor assigned to a resource, tried in this order; the
# first that gives a value decides.
ASSIGNING: tuple[ox.NamedNode, ...] = (
    _mag("assignedTo"),  # responsibility
    _mag("holder"),  # role assignment
    _mag("representedBy"),  # participation (who represents the member)
    _mag("accounthouder"),  # partnership (verbonden partij)
    _n(str(PROV.wasAssociatedWith)),  # decision
    _mag("grantedBy"),  # grant
    _mag("adviser"),  # advice
    _mag("managedBy"),  # budget
    _mag("applicant"),  # initiative
    _mag("heldBy"),  # consultation
    _mag("chair"),  # meeting
    _mag("carriedOutBy"),  # project
    _mag("commissionedBy"),  # assignment, project
    _mag("writtenBy"),  # document, plan
    _n(str(ORG.member)),  # participation, membership
)

# Resources that are actors themselves (their own findings are theirs).
ACTOR_CLASSES: frozenset[ox.NamedNode] = frozenset(
    _n(iri)
    for iri in (
        _MAG + "Municipality",
        _MAG + "GoverningBody",
        _MAG + "MunicipalCouncil",
        _MAG + "MunicipalExecutive",
        _MAG + "Post",
        _MAG + "Alderman",
        _MAG + "ExecutingOrganisation",
        _MAG + "PartnerOrganisation",
        _MAG + "VoluntaryAssociation",
        _MAG + "VolunteerOrganisation",
        _MAG + "ProfessionalOrganisation",
        _MAG + "Business",
        _MAG + "Group",
        _MAG + "SoundingBoardGroup",
        _MAG + "ProjectGroup",
        _MAG + "CoreTeam",
        _MAG + "OuterCircle",
        _MAG + "EditorialGroup",
        _MAG + "Resident",
        "https://identifier.overheid.nl/tooi/def/ont/Gemeente",
        str(ORG.Organization),
        str(ORG.FormalOrganization),
        str(ORG.OrganizationalUnit),
        str(ORG.Post),
        "http://xmlns.com/foaf/0.1/Person",
        str(PROV.Person),
        str(PROV.Agent),
    )
)

_PARTNERSHIPS = frozenset({_mag("Partnership"), _mag("AffiliatedParty"), _n(str(ORG.OrganizationalCollaboration))})
_TYPE = _n(str(RDF.type))
_IN_CONTEXT = _mag("inContext")
_ROLE = _n(str(ORG.role))
_HOLDER = _mag("holder")
_DASHBOARD_OF = _mag("dashboardOf")
# The roles that lead what they are held in (``mag:inContext``), first the one that
# decides: a partnership's penvoerder, a consultation's chair, a project's bestuurlijk
# opdrachtgever, then its projectleider and ambtelijk opdrachtgever.
LEADING_ROLES: tuple[ox.NamedNode, ...] = tuple(
    _n(str(MAGB._NS) + name)
    for name in ("Penvoerder", "Voorzitter", "BestuurlijkOpdrachtgever", "Projectleider", "AmbtelijkOpdrachtgever")
)


def _objects(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode) -> list[ox.NamedNode]:
    found = {q.object for q in store.quads_for_pattern(subject, predicate, None, None)}
    return sorted((o for o in found if isinstance(o, ox.NamedNode)), key=lambda o: o.value)


def _types(store: ox.Store, node: ox.NamedNode) -> set[ox.NamedNode]:
    return {q.object for q in store.quads_for_pattern(node, _TYPE, None, None) if isinstance(q.object, ox.NamedNode)}


def _lead_holders(store: ox.Store, context: ox.NamedNode) -> list[ox.NamedNode]:
    """The holders of the first of :data:`LEADING_ROLES` that is held in ``context``."""
    by_role: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for quad in store.quads_for_pattern(None, _IN_CONTEXT, context, None):
        assignment = quad.subject
        if not isinstance(assignment, ox.NamedNode | ox.BlankNode):
            continue
        for role_quad in store.quads_for_pattern(assignment, _ROLE, None, None):
            if role_quad.object in LEADING_ROLES:
                by_role.setdefault(role_quad.object, set()).update(_objects(store, assignment, _HOLDER))
    for role in LEADING_ROLES:
        if by_role.get(role):
            return sorted(by_role[role], key=lambda o: o.value)
    return []


def actors_of(store: ox.Store, focus: str, *, _depth: int = 0) -> list[str]:
    """The IRIs of the actors assigned to ``focus`` (see the module text), in a stable
    order; empty when it has none."""
    if not focus.startswith(("http://", "https://", "urn:")):
        return []
    node = _n(focus)
    types = _types(store, node)
    partnership = bool(types & _PARTNERSHIPS)
    if not partnership:
        if types & ACTOR_CLASSES:
            return [focus]
        for predicate in ASSIGNING:
            found = _objects(store, node, predicate)
            if found:
                return [o.value for o in found]
    else:
        found = _objects(store, node, _mag("accounthouder"))
        if found:
            return [o.value for o in found]
        lead = _lead_holders(store, node)
        if lead:
            return [o.value for o in lead]
        return []
    lead = _lead_holders(store, node)  # a consultation's chair, a project's opdrachtgever
    if lead:
        return [o.value for o in lead]
    if _depth == 0:
        for owner in _objects(store, node, _DASHBOARD_OF):  # a dashboard is its partnership's
            found_owner = actors_of(store, owner.value, _depth=1)
            if found_owner:
                return found_owner
    # A role (a concept used as org:role): the holders of its role assignments.
    holders: set[str] = set()
    for quad in store.quads_for_pattern(None, _ROLE, node, None):
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
            holders.update(o.value for o in _objects(store, quad.subject, _HOLDER))
    return sorted(holders)
