package kobj
