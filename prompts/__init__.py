"""Prompt templates shipped as package data and rendered strictly."""
