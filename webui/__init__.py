"""Gradio UI pieces; only app.py and this package import gradio."""
