"""JWT access tokens: HS256, signed with ``JWT_SECRET_KEY``, valid for 15 minutes."""

# TODO (d10): issue(user): jwt.encode with sub (str(user.id)), iat and exp, HS256.
# TODO (d10): user_from(token): jwt.decode pinning algorithms=["HS256"] and requiring exp,
# iat and sub; any jwt.InvalidTokenError -> ApiError(401, ...).
# TODO (d10): token_required(view): reads Authorization: Bearer <token>, sets g.api_user.
