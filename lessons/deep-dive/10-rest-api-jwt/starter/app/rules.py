"""The rules a post must follow, written once: the web form (d09) and the API's schema
(d10) both call these functions, so the two can never disagree.

Each takes a value and raises ``ValueError`` with the message to show.
"""

# TODO (d10): check_title (5 to 120 characters, no "spam" in any case), check_body (not
# empty, at most 10,000), check_category (tech, life, news), check_tags (a list: at most 5,
# each 1 to 20 of a-z, 0-9 and -); then make PostForm's validators call them.
