"""The forms of the ``main`` blueprint: writing and editing a post."""

# TODO (d09): parse_tags(text): "flask, sql" -> ["flask", "sql"] (trimmed, each once).

# TODO (d09): PostForm(FlaskForm): title (5 to 120, and validate_title refusing "spam" in
# any case), body (required, at most 10,000), category (a SelectField of tech, life, news),
# tags (validate_tags: at most 5, each 1 to 20 of a-z, 0-9 and -), image (a FileField with
# FileAllowed jpg/jpeg/png/gif and FileSize 2 MB, and validate_image comparing the first
# bytes with the extension: app.uploads.matches_extension).
