"""What a Dockerfile means, before any LLB: stages and the stages a target needs,
the one ARG/ENV scope, word expansion, heredoc bodies, image references,
``.dockerignore`` patterns and the build checks.

Imports ``frontend.syntax`` and the foundation only.
"""
