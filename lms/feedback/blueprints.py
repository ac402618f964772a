"""The evaluation pages, registered on the app."""

from flask import Flask


def register(app: Flask) -> None:
    from lms.feedback.answer_views import bp as answers_bp
    from lms.feedback.comment_views import bp as comments_bp
    from lms.feedback.follow_up_views import bp as follow_up_bp
    from lms.feedback.question_views import bp as questions_bp
    from lms.feedback.summary_views import bp as summaries_bp

    app.register_blueprint(questions_bp)
    app.register_blueprint(answers_bp)
    app.register_blueprint(follow_up_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(summaries_bp)
