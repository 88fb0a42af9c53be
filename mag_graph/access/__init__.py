"""Who may see and do what: users, passwords, API tokens and roles (:mod:`.auth`).

May import: :mod:`mag_graph.store`, :mod:`mag_graph.namespaces`.
"""

from mag_graph.access.auth import (  # noqa: F401
    AUTH_FILE,
    MIN_PASSWORD_LENGTH,
    ROLES,
    TOKEN_PREFIX,
    AuthError,
    AuthRegistry,
    InvalidCredentialsError,
    InvalidNameError,
    InvalidRoleError,
    NameExistsError,
    Principal,
    TokenInfo,
    UnknownNameError,
    User,
    WeakPasswordError,
    auth_path_for_store,
)
