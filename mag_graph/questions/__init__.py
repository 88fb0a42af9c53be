"""Reading the graph: the governance questions (Q1-Q21, SPARQL files in ``queries/``
with typed parameters, :mod:`.catalogue`), the descriptions of resources and the home
page overview (:mod:`.describe`) and the role matrix that the pages show (:mod:`.matrix`).

May import: :mod:`mag_graph.store`, :mod:`mag_graph.access`, :mod:`mag_graph.namespaces`,
:mod:`mag_graph.resources`.
"""

from mag_graph.questions.catalogue import (  # noqa: F401
    LANGUAGES,
    MAX_STRING_LENGTH,
    MAX_VALUE_LENGTH,
    PARAMETER_TYPES,
    QUERY_PATTERN,
    Answer,
    Cell,
    Column,
    Parameter,
    ParameterError,
    Question,
    QuestionFormatError,
    UnknownQuestionError,
    ask,
    convert_parameter,
    get_question,
    list_questions,
    load_questions,
    parse_question,
    resolve_parameters,
)
