"""TODO (d14): the post page GET /posts/<id> (a template, blog/templates/blog/post.html,
extending templates/base.html), and `not_found(request, exception)` for handler404: the
JSON error under /api/, a 404 page elsewhere."""
